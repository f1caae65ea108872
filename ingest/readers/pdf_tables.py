"""Ruled tables on a PDF page: the grid from drawn rules, cells with spans, one Block per row.

Rules are the visible straight edges of path objects, read through pdfium.
White and zero-width edges are dropped first, because layout tools can draw
them across a cell, which would split it in two. Horizontal and vertical rules
that touch form a table. Its grid lines are every rule position, and two
neighbouring grid slots belong to one cell unless a rule separates them, which
gives row and column spans. A table drawn without outer left and right rules
keeps its first and last columns, because it extends as far as its horizontal
rules.

pdfplumber 0.11's table finder (lines strategy) was tried on a Chinese price table
without outer side rules: it needs a corner at every cell, so it dropped the first
and last columns and the full-width total rows. It also took about 44 ms per page,
against 3 to 4 ms for this module (both on a 2-core AMD EPYC).
"""

from __future__ import annotations

import bisect
import ctypes
from dataclasses import dataclass
from statistics import median
from typing import Callable, NamedTuple

import pypdfium2 as pdfium
import pypdfium2.raw as pdfium_c

from ingest.normalize import join_wrapped, normalize_text
from ingest.parsed import BBox
from ingest.readers.pdf_glyphs import Glyph, display_transform
from ingest.readers.pdf_lines import LineParams, group_lines

# A segment whose ends differ by at most this many points across its direction is a straight rule.
AXIS_TOLERANCE = 0.5
# A filled box at most this many points thick is a rule, and a thicker one is cell shading.
MAX_RULE_THICKNESS = 3.0
# Rules whose positions differ by at most this many points are one grid line.
SNAP_TOLERANCE = 3.0
# A rule ending within this many points of another rule touches it.
JOIN_TOLERANCE = 3.0
# A colour whose red, green and blue channels are all at least this (0-255) is white.
WHITE_MIN_CHANNEL = 250
# A thin filled box lighter than this luma (Rec. 709, 0-255) is a sliver of cell shading, not a
# rule. A spreadsheet printout seen in practice fills narrow cells in light blue (204, 238, 255,
# luma 232), and a light grey border such as D9D9D9 (luma 217) must still count as a rule.
MAX_FILLED_RULE_LUMA = 224.0
# Above this many rules on a page (a chart or a drawing) tables are not looked for, because
# matching every horizontal rule with every vertical one would cost too much.
MAX_RULES_PER_PAGE = 1500
# An open row (top and bottom rules only, as in a full-width total row) joins a table when
# its rules end within this many points of the table's sides.
OPEN_ROW_EXTENT_TOLERANCE = 3.0
# Nesting of form XObjects followed when collecting rules.
MAX_FORM_DEPTH = 8
# East Asian Width classes (Unicode UAX #11) of CJK and full-width characters, next to which
# wrapped lines join without a space.

_Matrix = tuple[float, float, float, float, float, float]
_IDENTITY: _Matrix = (1.0, 0.0, 0.0, 1.0, 0.0, 0.0)
_Point = tuple[float, float]


@dataclass(frozen=True, slots=True)
class TableParams:
    """Tolerances for rule reading and grid building, in points unless named otherwise."""

    axis_tolerance: float = AXIS_TOLERANCE
    max_rule_thickness: float = MAX_RULE_THICKNESS
    snap_tolerance: float = SNAP_TOLERANCE
    join_tolerance: float = JOIN_TOLERANCE
    white_min_channel: int = WHITE_MIN_CHANNEL
    max_filled_rule_luma: float = MAX_FILLED_RULE_LUMA
    max_rules_per_page: int = MAX_RULES_PER_PAGE
    open_row_extent_tolerance: float = OPEN_ROW_EXTENT_TOLERANCE


class Rule(NamedTuple):
    """A visible straight edge on the displayed page: `position` is y when horizontal, else x."""

    horizontal: bool
    position: float
    start: float
    end: float


@dataclass(frozen=True, slots=True)
class TableRow:
    """One grid row: a text per column (a spanning cell repeats), its box and median font size."""

    cells: tuple[str, ...]
    bbox: BBox
    font_size: float | None


@dataclass(frozen=True, slots=True)
class Table:
    """A table found on a page: its top edge (for placing it among the lines) and its rows."""

    top: float
    rows: tuple[TableRow, ...]


# --- reading rules from the page's path objects ------------------------------------------


def read_rules(page: pdfium.PdfPage, params: TableParams = TableParams()) -> list[Rule]:
    """Return the visible horizontal and vertical rules drawn on a page, in display coordinates."""
    to_display = _display_mapping(page)
    rules: list[Rule] = []
    handle = page.raw
    for index in range(pdfium_c.FPDFPage_CountObjects(handle)):
        obj = pdfium_c.FPDFPage_GetObject(handle, index)
        _collect_rules(obj, _IDENTITY, to_display, params, rules, 0)
    return rules


def _display_mapping(page: pdfium.PdfPage) -> Callable[[float, float], _Point]:
    """Map PDF user space to the displayed page, as the glyph reader does for characters."""
    transform, _ = display_transform(page)
    if transform is not None:
        return transform
    left, _, _, top = page.get_cropbox()
    return lambda x, y: (x - left, top - y)


def _collect_rules(
    obj: ctypes.c_void_p,
    parent: _Matrix,
    to_display: Callable[[float, float], _Point],
    params: TableParams,
    rules: list[Rule],
    depth: int,
) -> None:
    kind = pdfium_c.FPDFPageObj_GetType(obj)
    if kind not in (pdfium_c.FPDF_PAGEOBJ_PATH, pdfium_c.FPDF_PAGEOBJ_FORM):
        return
    if kind == pdfium_c.FPDF_PAGEOBJ_PATH:
        rules.extend(_path_rules(obj, parent, to_display, params))
        return
    if depth >= MAX_FORM_DEPTH:
        return
    matrix = _compose(_object_matrix(obj), parent)
    for index in range(pdfium_c.FPDFFormObj_CountObjects(obj)):
        child = pdfium_c.FPDFFormObj_GetObject(obj, index)
        _collect_rules(child, matrix, to_display, params, rules, depth + 1)


def _object_matrix(obj: ctypes.c_void_p) -> _Matrix:
    m = pdfium_c.FS_MATRIX()
    if not pdfium_c.FPDFPageObj_GetMatrix(obj, m):
        return _IDENTITY
    return (m.a, m.b, m.c, m.d, m.e, m.f)


def _compose(inner: _Matrix, outer: _Matrix) -> _Matrix:
    """Return the matrix that applies `inner` first, then `outer`."""
    a, b, c, d, e, f = inner
    oa, ob, oc, od, oe, of = outer
    return (
        a * oa + b * oc,
        a * ob + b * od,
        c * oa + d * oc,
        c * ob + d * od,
        e * oa + f * oc + oe,
        e * ob + f * od + of,
    )


def _colour_luma(
    getter: Callable[..., int], obj: ctypes.c_void_p, params: TableParams
) -> float | None:
    """Return the luma (0-255) of a stroke or fill colour, or None if white or transparent."""
    r, g, b, a = ctypes.c_uint(), ctypes.c_uint(), ctypes.c_uint(), ctypes.c_uint()
    if not getter(obj, r, g, b, a):
        return 0.0  # no colour reported: PDF paints in black by default
    if a.value == 0 or min(r.value, g.value, b.value) >= params.white_min_channel:
        return None
    return 0.2126 * r.value + 0.7152 * g.value + 0.0722 * b.value


def _stroke_width(obj: ctypes.c_void_p) -> float:
    width = ctypes.c_float()
    if not pdfium_c.FPDFPageObj_GetStrokeWidth(obj, width):
        return 1.0  # PDF's default line width
    return width.value


def _path_rules(
    obj: ctypes.c_void_p,
    parent: _Matrix,
    to_display: Callable[[float, float], _Point],
    params: TableParams,
) -> list[Rule]:
    fill_mode, stroke = ctypes.c_int(), ctypes.c_int()
    if not pdfium_c.FPDFPath_GetDrawMode(obj, fill_mode, stroke):
        return []
    # NOTE: PDF paints a 0 w stroke as the thinnest line a device can show. Such a stroke
    # is dropped anyway, because layout tools use it for edges meant to be invisible.
    stroked = (
        bool(stroke.value)
        and _stroke_width(obj) > 0
        and _colour_luma(pdfium_c.FPDFPageObj_GetStrokeColor, obj, params) is not None
    )
    fill_luma = (
        _colour_luma(pdfium_c.FPDFPageObj_GetFillColor, obj, params)
        if fill_mode.value != pdfium_c.FPDF_FILLMODE_NONE
        else None
    )
    filled = fill_luma is not None and fill_luma <= params.max_filled_rule_luma
    if not (stroked or filled):
        return []
    # Read only now: most paths on text pages are invisible or shading and stop above.
    subpaths = _subpaths(obj, _compose(_object_matrix(obj), parent), to_display)
    if stroked:
        return [
            rule for points, closed in subpaths for rule in _stroke_rules(points, closed, params)
        ]
    return [rule for points, _ in subpaths if (rule := _filled_rule(points, params)) is not None]


def _subpaths(
    obj: ctypes.c_void_p, matrix: _Matrix, to_display: Callable[[float, float], _Point]
) -> list[tuple[list[_Point | None], bool]]:
    """Return each subpath's points on the displayed page, with None for a curve (no edge)."""
    a, b, c, d, e, f = matrix
    subpaths: list[tuple[list[_Point | None], bool]] = []
    x, y = ctypes.c_float(), ctypes.c_float()
    for index in range(pdfium_c.FPDFPath_CountSegments(obj)):
        segment = pdfium_c.FPDFPath_GetPathSegment(obj, index)
        kind = pdfium_c.FPDFPathSegment_GetType(segment)
        pdfium_c.FPDFPathSegment_GetPoint(segment, x, y)
        point = to_display(a * x.value + c * y.value + e, b * x.value + d * y.value + f)
        if kind == pdfium_c.FPDF_SEGMENT_MOVETO or not subpaths:
            subpaths.append(([point], False))
        else:
            subpaths[-1][0].append(point if kind == pdfium_c.FPDF_SEGMENT_LINETO else None)
        if pdfium_c.FPDFPathSegment_GetClose(segment):
            subpaths[-1] = (subpaths[-1][0], True)
    return subpaths


def _stroke_rules(points: list[_Point | None], closed: bool, params: TableParams) -> list[Rule]:
    edges = list(zip(points, points[1:]))
    if closed and len(points) > 2:
        edges.append((points[-1], points[0]))
    rules = []
    for first, second in edges:
        if first is None or second is None:
            continue
        rule = _axis_rule(first, second, params.axis_tolerance)
        if rule is not None:
            rules.append(rule)
    return rules


def _axis_rule(first: _Point, second: _Point, tolerance: float) -> Rule | None:
    (x0, y0), (x1, y1) = first, second
    if abs(y1 - y0) <= tolerance and abs(x1 - x0) > tolerance:
        return Rule(True, (y0 + y1) / 2, min(x0, x1), max(x0, x1))
    if abs(x1 - x0) <= tolerance and abs(y1 - y0) > tolerance:
        return Rule(False, (x0 + x1) / 2, min(y0, y1), max(y0, y1))
    return None


def _filled_rule(points: list[_Point | None], params: TableParams) -> Rule | None:
    """Return the rule a thin filled box draws, or None for a thick box or one with no area."""
    corners = [point for point in points if point is not None]
    if len(corners) < 3:
        return None
    xs = [x for x, _ in corners]
    ys = [y for _, y in corners]
    width, height = max(xs) - min(xs), max(ys) - min(ys)
    thickness = min(width, height)
    if thickness <= 0 or thickness > params.max_rule_thickness or max(width, height) <= thickness:
        return None
    if width > height:
        return Rule(True, (min(ys) + max(ys)) / 2, min(xs), max(xs))
    return Rule(False, (min(xs) + max(xs)) / 2, min(ys), max(ys))


# --- building grids from rules -----------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Grid:
    """Grid lines of one table and, for every slot (row, column), the id of its cell."""

    xs: tuple[float, ...]
    ys: tuple[float, ...]
    cell_of: tuple[tuple[int, ...], ...]

    @property
    def bbox(self) -> BBox:
        return BBox(self.xs[0], self.ys[0], self.xs[-1], self.ys[-1])

    def slot(self, x: float, y: float) -> tuple[int, int] | None:
        """Return the (row, column) of a point inside the table, or None outside it."""
        if not (self.xs[0] <= x <= self.xs[-1] and self.ys[0] <= y <= self.ys[-1]):
            return None
        column = min(bisect.bisect_right(self.xs, x) - 1, len(self.xs) - 2)
        row = min(bisect.bisect_right(self.ys, y) - 1, len(self.ys) - 2)
        return row, column


class _DisjointSets:
    """Union-find over the integers 0..size-1, with path halving."""

    def __init__(self, size: int) -> None:
        self.parent = list(range(size))

    def find(self, node: int) -> int:
        parent = self.parent
        while parent[node] != node:
            parent[node] = parent[parent[node]]
            node = parent[node]
        return node

    def union(self, first: int, second: int) -> None:
        self.parent[self.find(first)] = self.find(second)


def find_grids(rules: list[Rule], params: TableParams = TableParams()) -> list[_Grid]:
    """Group touching rules into tables and work out each table's cells, top to bottom."""
    if len(rules) > params.max_rules_per_page:
        # NOTE: a real table on a page with this many rules comes out as plain lines.
        return []
    horizontals = _merge_collinear([r for r in rules if r.horizontal], params)
    verticals = _merge_collinear([r for r in rules if not r.horizontal], params)
    components = _touching_groups(horizontals, verticals, params)
    loose = [group[0] for group in components if len(group) == 1 and group[0].horizontal]
    grids = []
    for group in components:
        group_h = [r for r in group if r.horizontal]
        group_v = [r for r in group if not r.horizontal]
        if not group_h or not group_v:
            continue
        group_h = _add_open_rows(group_h, group_v, loose, params)
        grid = _build_grid(group_h, group_v, params)
        if grid is not None:
            grids.append(grid)
    grids.sort(key=lambda grid: grid.ys[0])
    return grids


def _merge_collinear(rules: list[Rule], params: TableParams) -> list[Rule]:
    """Snap rules at nearly the same position to one line and join pieces that meet or overlap."""
    rules = sorted(rules, key=lambda r: r.position)
    groups: list[list[Rule]] = []
    for rule in rules:
        if groups and rule.position - groups[-1][0].position <= params.snap_tolerance:
            groups[-1].append(rule)
        else:
            groups.append([rule])

    merged: list[Rule] = []
    for group in groups:
        position = median(r.position for r in group)
        spans = sorted((r.start, r.end) for r in group)
        start, end = spans[0]
        for next_start, next_end in spans[1:]:
            if next_start <= end + params.join_tolerance:
                end = max(end, next_end)
                continue
            merged.append(Rule(group[0].horizontal, position, start, end))
            start, end = next_start, next_end
        merged.append(Rule(group[0].horizontal, position, start, end))
    return merged


def _touches(horizontal: Rule, vertical: Rule, tolerance: float) -> bool:
    return (
        vertical.start - tolerance <= horizontal.position <= vertical.end + tolerance
        and horizontal.start - tolerance <= vertical.position <= horizontal.end + tolerance
    )


def _touching_groups(
    horizontals: list[Rule], verticals: list[Rule], params: TableParams
) -> list[list[Rule]]:
    """Return connected groups of rules: a horizontal and a vertical rule connect if they touch."""
    sets = _DisjointSets(len(horizontals) + len(verticals))
    offset = len(horizontals)
    tolerance = params.join_tolerance
    # Verticals sorted by x, so each horizontal rule checks only those within its span.
    order = sorted(range(len(verticals)), key=lambda index: verticals[index].position)
    xs = [verticals[index].position for index in order]
    for h_index, horizontal in enumerate(horizontals):
        first = bisect.bisect_left(xs, horizontal.start - tolerance)
        last = bisect.bisect_right(xs, horizontal.end + tolerance)
        for v_index in order[first:last]:
            if _touches(horizontal, verticals[v_index], tolerance):
                sets.union(h_index, offset + v_index)

    groups: dict[int, list[Rule]] = {}
    for node, rule in enumerate([*horizontals, *verticals]):
        groups.setdefault(sets.find(node), []).append(rule)
    return list(groups.values())


def _add_open_rows(
    horizontals: list[Rule], verticals: list[Rule], loose: list[Rule], params: TableParams
) -> list[Rule]:
    """Extend a table by rows drawn with top and bottom rules only that line up with its edges."""
    table_rules = sorted(horizontals, key=lambda r: r.position)
    ends = {v.start for v in verticals} | {v.end for v in verticals}
    positions = sorted({r.position for r in table_rules} | ends)
    tallest = max((b - a for a, b in zip(positions, positions[1:])), default=0.0)
    candidates = sorted(loose, key=lambda r: r.position)
    added = True
    while added:
        added = False
        for rule in candidates:
            if rule in table_rules:
                continue
            for edge in (table_rules[0], table_rules[-1]):
                if _continues_table(edge, rule, tallest, params):
                    table_rules.append(rule)
                    table_rules.sort(key=lambda r: r.position)
                    added = True
                    break
    return table_rules


def _continues_table(edge: Rule, rule: Rule, tallest: float, params: TableParams) -> bool:
    tolerance = params.open_row_extent_tolerance
    return (
        0 < abs(rule.position - edge.position) <= tallest
        and abs(rule.start - edge.start) <= tolerance
        and abs(rule.end - edge.end) <= tolerance
    )


def _snapped(values: list[float], tolerance: float) -> tuple[float, ...]:
    positions: list[float] = []
    for value in sorted(values):
        if not positions or value - positions[-1] > tolerance:
            positions.append(value)
    return tuple(positions)


def _build_grid(
    horizontals: list[Rule], verticals: list[Rule], params: TableParams
) -> _Grid | None:
    left = min([r.start for r in horizontals] + [v.position for v in verticals])
    right = max([r.end for r in horizontals] + [v.position for v in verticals])
    top = min([r.position for r in horizontals] + [v.start for v in verticals])
    bottom = max([r.position for r in horizontals] + [v.end for v in verticals])
    snap = params.snap_tolerance
    inner_xs = [v.position for v in verticals if left + snap < v.position < right - snap]
    inner_ys = [r.position for r in horizontals if top + snap < r.position < bottom - snap]
    xs = _snapped([left, right, *inner_xs], snap)
    ys = _snapped([top, bottom, *inner_ys], snap)
    # A box or a page frame with horizontal rules only is not a table: it needs two columns.
    if len(xs) < 3 or len(ys) < 2:
        return None

    rows, columns = len(ys) - 1, len(xs) - 1
    sets = _DisjointSets(rows * columns)

    for row in range(rows):
        middle_y = (ys[row] + ys[row + 1]) / 2
        for column in range(columns):
            middle_x = (xs[column] + xs[column + 1]) / 2
            slot = row * columns + column
            if column + 1 < columns and not _ruled(verticals, xs[column + 1], middle_y, snap):
                sets.union(slot, slot + 1)
            if row + 1 < rows and not _ruled(horizontals, ys[row + 1], middle_x, snap):
                sets.union(slot, slot + columns)

    cell_of = tuple(
        tuple(sets.find(row * columns + column) for column in range(columns))
        for row in range(rows)
    )
    return _Grid(xs, ys, cell_of)


def _ruled(rules: list[Rule], position: float, across: float, tolerance: float) -> bool:
    """Tell whether a rule lies on the grid line at `position` where it crosses `across`."""
    return any(
        abs(rule.position - position) <= tolerance and rule.start <= across <= rule.end
        for rule in rules
    )


# --- cells and rows ----------------------------------------------------------------------


def extract_tables(
    glyphs: list[Glyph],
    rules: list[Rule],
    line_params: LineParams = LineParams(),
    params: TableParams = TableParams(),
) -> tuple[list[Glyph], list[Table]]:
    """Split a page's glyphs into those outside any table and the tables' rows."""
    grids = find_grids(rules, params)
    if not grids:
        return glyphs, []
    outside: list[Glyph] = []
    # For each grid, the glyphs of each slot, keyed by (row, column).
    inside: list[dict[tuple[int, int], list[Glyph]]] = [{} for _ in grids]
    for glyph in glyphs:
        x, y = (glyph.x0 + glyph.x1) / 2, (glyph.top + glyph.bottom) / 2
        for grid, slots in zip(grids, inside):
            slot = grid.slot(x, y)
            if slot is not None:
                slots.setdefault(slot, []).append(glyph)
                break
        else:
            outside.append(glyph)

    tables = []
    for grid, slots in zip(grids, inside):
        rows = _table_rows(grid, slots, line_params)
        if rows:
            tables.append(Table(grid.ys[0], rows))
    return outside, tables


def _table_rows(
    grid: _Grid, slots: dict[tuple[int, int], list[Glyph]], line_params: LineParams
) -> tuple[TableRow, ...]:
    by_cell: dict[int, list[Glyph]] = {}
    for (row, column), members in slots.items():
        by_cell.setdefault(grid.cell_of[row][column], []).extend(members)
    texts = {cell: cell_text(members, line_params) for cell, members in by_cell.items()}

    rows = []
    for row, cell_ids in enumerate(grid.cell_of):
        cells = tuple(texts.get(cell, "") for cell in cell_ids)
        if not any(cells):
            continue
        sizes = [g.size for cell in set(cell_ids) for g in by_cell.get(cell, ()) if not g.is_space]
        bbox = BBox(grid.xs[0], grid.ys[row], grid.xs[-1], grid.ys[row + 1])
        rows.append(TableRow(cells, bbox, round(median(sizes), 2) if sizes else None))
    return tuple(rows)


def cell_text(glyphs: list[Glyph], line_params: LineParams = LineParams()) -> str:
    """Return a cell's text with its wrapped lines joined into one value."""
    text = ""
    for line in group_lines(glyphs, line_params):
        piece = normalize_text(line.text)
        if piece:
            text = join_wrapped(text, piece)
    return text
