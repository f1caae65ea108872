"""XML namespaces of WordprocessingML and a helper for w:-prefixed attributes."""

from __future__ import annotations

from lxml import etree

W_NS = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
MC_NS = "http://schemas.openxmlformats.org/markup-compatibility/2006"
M_NS = "http://schemas.openxmlformats.org/officeDocument/2006/math"
R_NS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"


class _Namespace:
    """Clark-notation tag names of one XML namespace: `W.p` is "{...main}p"."""

    def __init__(self, uri: str) -> None:
        self._uri = uri

    def __getattr__(self, local_name: str) -> str:
        return f"{{{self._uri}}}{local_name}"


W = _Namespace(W_NS)
MC = _Namespace(MC_NS)
M = _Namespace(M_NS)
R = _Namespace(R_NS)
# "del" is a Python keyword, so W.del cannot be written.
W_DEL = f"{{{W_NS}}}del"


def w_attr(element: etree._Element, name: str) -> str | None:
    """Return the value of the w:-prefixed attribute `name`, or None."""
    return element.get(f"{{{W_NS}}}{name}")
