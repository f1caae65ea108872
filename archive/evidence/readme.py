"""README of a pack, which lists its contents and explains how anyone can check that no file was changed.

The text is in Chinese first, for the court or arbitration commission and counsel, then in
English. It contains no hash of the pack itself, because the README is one of the files that
the manifest lists.
"""

from __future__ import annotations

README_NAME = "README-验证说明.txt"
README_MEDIA_TYPE = "text/plain"

_CHINESE = """\
证据包说明
==========

案件：{case_name}
证据截至：{as_of}（北京时间）
证据项：{item_count} 项；原件文件：{original_count} 个

一、证据包内容
- 证据/：证据原件，与档案库中保存的文件逐字节相同，文件名以证据序号开头（如"1-2 付款凭证.pdf"）。
- 证据目录.pdf、证据目录.xlsx：序号、证据名称、证据来源、证明目的和页码。
- 证据汇编.pdf：全部 PDF 证据按序合并，每页右下角加盖连续页码和证据序号，供打印提交。页码与证据目录一致。
- 履约情况/：合同时间线（PDF）和履约记录（CSV），内容截至上述时间。
- manifest.json：每个文件的 SHA-256 摘要、大小，原件的来源版本、上传时间和上传人，以及打包时审计日志链的最新事件。
- manifest.sha256：manifest.json 的 SHA-256 摘要。

二、如何验证证据包未被改动
1. 解压后，在解压目录中检查清单本身：
   Linux 或 macOS：sha256sum -c manifest.sha256（或 shasum -a 256 -c manifest.sha256）
   Windows：certutil -hashfile manifest.json SHA256，将结果与 manifest.sha256 中的摘要比对。
2. 逐个文件计算 SHA-256（方法同上），与 manifest.json 中该文件的 "sha256" 比对。任何一个字节的改动都会使摘要不同。
3. 使用合同档案系统：contract-archive pack verify 证据包.zip
   该命令检查每个文件与清单是否一致、ZIP 数据是否损坏；能连接档案库时，还核对清单、原件版本和审计事件是否在档案库中有记录。
   无法连接档案库时，只做离线检查，并如实说明。
4. 证据包的 SHA-256 摘要（manifest.json 的摘要和整个 ZIP 文件的摘要）记录在档案库的审计日志中，可向档案管理员查询核对。

三、注意
- 证据汇编.pdf 是为打印而加盖页码的副本；证明力以"证据/"中的原件文件为准。
- 履约记录的打印件由档案库根据记录生成，注明"由档案库打印"。
"""

_ENGLISH = """\
About this evidence pack
========================

Case: {case_name}
Evidence as of: {as_of} (China Standard Time)
Items: {item_count}; original files: {original_count}

Contents
- 证据/ (evidence): the original files, byte for byte as the archive stores them, named by item number.
- 证据目录.pdf and 证据目录.xlsx: the evidence index (number, name, source, fact to prove, pages).
- 证据汇编.pdf: every PDF item merged in order, each page stamped with a continuous page number and its
  item number, for printing. Its page numbers match the index.
- 履约情况/: the contract's timeline (PDF) and performance records (CSV) as of the time above.
- manifest.json: the SHA-256 and size of every file; for originals the archived version, upload time
  and uploader; and the newest audit log event when the pack was built.
- manifest.sha256: the SHA-256 of manifest.json.

How to check that nothing was changed
1. After extracting, check the manifest: sha256sum -c manifest.sha256 (Linux, macOS), or
   certutil -hashfile manifest.json SHA256 (Windows) and compare with manifest.sha256.
2. Compute each file's SHA-256 and compare it with its "sha256" in manifest.json.
3. With contract-archive: contract-archive pack verify PACK.zip checks every file against the manifest
   and, where the archive can be reached, the manifest against the archive's records.
4. The archive's audit log records the SHA-256 of manifest.json and of the whole ZIP file.

The stamped bundle is a printing copy; the files under 证据/ are the evidence.
"""


def build_readme(*, case_name: str, as_of: str, item_count: int, original_count: int) -> bytes:
    """Return the README as UTF-8 bytes with a byte order mark and CRLF line ends.

    Both are there so that every version of Windows Notepad shows the text correctly.
    """
    values = {"case_name": case_name, "as_of": as_of, "item_count": item_count, "original_count": original_count}
    text = _CHINESE.format(**values) + "\n\n" + _ENGLISH.format(**values)
    return ("\ufeff" + text).replace("\n", "\r\n").encode("utf-8")
