// Overview strip of the contract timeline page, drawn as SVG above the event list.
//
// The server renders the complete list; this script only adds the strip. It reads each event from
// the list item's data attributes (data-date, data-kind, data-overdue) and its visible text, so it
// needs no request of its own and contains no user-visible words of its own. The page's Content-Security-Policy
// forbids inline styles, so the script sets SVG attributes and classes and never element.style.
"use strict";

(function () {
  const SVG_NS = "http://www.w3.org/2000/svg";
  // Lanes from top to bottom, in the order of the page's kind filter.
  const KIND_ORDER = ["signing", "effective", "expiry", "document_version", "obligation", "record", "alert",
    "legal_hold"];
  const DAY_MS = 24 * 60 * 60 * 1000;
  const AXIS_HEIGHT = 34;
  const LANE_HEIGHT = 18;
  const SIDE_PADDING = 16;
  const MIN_WIDTH = 320;
  // Month ticks closer than this many pixels are left out, and month numbers need this much room.
  const MIN_MONTH_TICK_SPACING = 4;
  const MIN_MONTH_LABEL_SPACING = 26;
  // Days get ticks and numbers once a day is this wide, in pixels.
  const MIN_DAY_SPACING = 18;
  // Zooming in stops at this span, and each zoom step halves or doubles the span.
  const MIN_SPAN_MS = 14 * DAY_MS;
  const ZOOM_FACTOR = 2;

  function parseDay(text) {
    const parts = /^(\d{4})-(\d{2})-(\d{2})$/.exec(text || "");
    return parts ? Date.UTC(Number(parts[1]), Number(parts[2]) - 1, Number(parts[3])) : null;
  }

  function svgElement(name, attributes) {
    const element = document.createElementNS(SVG_NS, name);
    for (const [key, value] of Object.entries(attributes || {})) {
      element.setAttribute(key, String(value));
    }
    return element;
  }

  function textOf(item, selector) {
    const found = item.querySelector(selector);
    return found ? found.textContent.replace(/\s+/g, " ").trim() : "";
  }

  // Read the events from the server-rendered list, in the list's (date) order.
  function readEvents() {
    const events = [];
    for (const item of document.querySelectorAll("li.event[data-date][id]")) {
      const time = parseDay(item.getAttribute("data-date"));
      if (time === null) {
        continue;
      }
      const overdue = item.getAttribute("data-overdue") === "true";
      const words = [item.getAttribute("data-date"), textOf(item, ".badge.kind"), textOf(item, "a:not(.source)")];
      if (overdue) {
        words.push(textOf(item, ".overdue-word"));
      }
      events.push({
        item: item,
        time: time,
        kind: item.getAttribute("data-kind"),
        overdue: overdue,
        label: words.filter(Boolean).join(" · "),
      });
    }
    return events;
  }

  // Return the first and last day the strip shows: the events, the date window and today when close by.
  function domainOf(events, figure) {
    const times = events.map((event) => event.time);
    const windowStart = parseDay(figure.getAttribute("data-window-start"));
    const windowEnd = parseDay(figure.getAttribute("data-window-end"));
    if (windowStart !== null) {
      times.push(windowStart);
    }
    if (windowEnd !== null) {
      times.push(windowEnd);
    }
    let first = Math.min(...times);
    let last = Math.max(...times);
    const today = parseDay(figure.getAttribute("data-today"));
    // Today widens the strip only without a window, so a chosen window keeps its scale.
    if (today !== null && windowStart === null) {
      first = Math.min(first, today);
      last = Math.max(last, today);
    }
    const padding = Math.max((last - first) * 0.03, 15 * DAY_MS);
    return [first - padding, last + padding];
  }

  function drawAxis(svg, scale, first, last, height) {
    const axis = svgElement("g", { class: "axis", "aria-hidden": "true" });
    axis.appendChild(svgElement("line", { x1: scale(first), x2: scale(last), y1: AXIS_HEIGHT, y2: AXIS_HEIGHT }));
    const start = new Date(first);
    const monthSpacing = scale(first + 30 * DAY_MS) - scale(first);
    let year = start.getUTCFullYear();
    let month = start.getUTCMonth() + 1;
    for (;;) {
      if (month > 11) {
        year += 1;
        month = 0;
      }
      const time = Date.UTC(year, month, 1);
      if (time > last) {
        break;
      }
      const x = scale(time);
      if (month === 0) {
        axis.appendChild(svgElement("line", { class: "year-tick", x1: x, x2: x, y1: 4, y2: height }));
        const label = svgElement("text", { class: "year-label", x: x + 3, y: 14 });
        label.textContent = String(year);
        axis.appendChild(label);
      } else if (monthSpacing >= MIN_MONTH_TICK_SPACING) {
        axis.appendChild(svgElement("line", { class: "month-tick", x1: x, x2: x, y1: AXIS_HEIGHT - 6, y2: height }));
        if (monthSpacing >= MIN_MONTH_LABEL_SPACING) {
          const label = svgElement("text", { class: "month-label", x: x + 2, y: AXIS_HEIGHT - 8 });
          label.textContent = String(month + 1);
          axis.appendChild(label);
        }
      }
      month += 1;
    }
    if (scale(first + DAY_MS) - scale(first) >= MIN_DAY_SPACING) {
      drawDays(axis, scale, first, last, height);
    }
    svg.appendChild(axis);
  }

  function drawDays(axis, scale, first, last, height) {
    for (let time = Math.ceil(first / DAY_MS) * DAY_MS; time <= last; time += DAY_MS) {
      const day = new Date(time).getUTCDate();
      const x = scale(time);
      if (day !== 1) {
        axis.appendChild(svgElement("line", { class: "day-tick", x1: x, x2: x, y1: AXIS_HEIGHT - 3, y2: AXIS_HEIGHT }));
      }
      const label = svgElement("text", { class: "day-label", x: x, y: AXIS_HEIGHT + 10, "text-anchor": "middle" });
      label.textContent = String(day);
      axis.appendChild(label);
    }
  }

  function drawToday(svg, scale, today, height, label) {
    const group = svgElement("g", { class: "today" });
    const title = svgElement("title");
    title.textContent = label;
    group.appendChild(title);
    const x = scale(today);
    group.appendChild(svgElement("line", { x1: x, x2: x, y1: 2, y2: height }));
    svg.appendChild(group);
  }

  // A circle for an ordinary event and a diamond for an overdue one, so shape as well as colour shows overdue.
  function markShape(x, y, overdue) {
    if (overdue) {
      const r = 7;
      return svgElement("path", {
        class: "shape", d: `M ${x} ${y - r} L ${x + r} ${y} L ${x} ${y + r} L ${x - r} ${y} Z`,
      });
    }
    return svgElement("circle", { class: "shape", cx: x, cy: y, r: 5 });
  }

  function Overview(figure, events) {
    this.figure = figure;
    this.events = events;
    this.marks = new Map();
    this.current = 0;
    // Whether the reader has moved to or chosen a mark, which zooming then keeps in view.
    this.chosen = false;
    this.full = domainOf(events, figure);
    this.view = this.full.slice();
    this.lanes = KIND_ORDER.filter((kind) => events.some((event) => event.kind === kind));
    for (const event of events) {
      // Focusable from script only, so the list keeps its place in the tab order.
      event.item.setAttribute("tabindex", "-1");
    }
  }

  Overview.prototype.draw = function () {
    const previous = this.figure.querySelector("svg");
    const hadFocus = previous !== null && previous.contains(document.activeElement);
    const width = Math.max(this.figure.clientWidth, MIN_WIDTH);
    const height = AXIS_HEIGHT + 12 + this.lanes.length * LANE_HEIGHT + 4;
    const [first, last] = this.view;
    const scale = (time) => SIDE_PADDING + ((time - first) / (last - first)) * (width - 2 * SIDE_PADDING);

    const svg = svgElement("svg", {
      width: width, height: height, viewBox: `0 0 ${width} ${height}`, role: "group",
      "aria-label": this.figure.getAttribute("data-label-strip") || "",
    });
    drawAxis(svg, scale, first, last, height);
    const today = parseDay(this.figure.getAttribute("data-today"));
    if (today !== null && today >= first && today <= last) {
      const label = `${this.figure.getAttribute("data-label-today") || ""} ${this.figure.getAttribute("data-today")}`;
      drawToday(svg, scale, today, height, label);
    }

    const markLayer = svgElement("g", { class: "marks" });
    const shown = this.visibleIndexes();
    if (!shown.includes(this.current)) {
      this.current = shown.length ? shown[0] : this.current;
    }
    this.marks = new Map();
    for (const index of shown) {
      const event = this.events[index];
      const y = AXIS_HEIGHT + (this.lanes.indexOf(event.kind) + 0.5) * LANE_HEIGHT + 12;
      const mark = svgElement("g", {
        class: `mark kind-${event.kind}${event.overdue ? " overdue" : ""}`,
        role: "button",
        tabindex: index === this.current ? 0 : -1,
        "data-target": event.item.id,
      });
      const title = svgElement("title");
      title.textContent = event.label;
      mark.appendChild(title);
      mark.appendChild(markShape(scale(event.time), y, event.overdue));
      mark.addEventListener("click", () => this.activate(index));
      mark.addEventListener("keydown", (keyEvent) => this.onKey(keyEvent, index));
      markLayer.appendChild(mark);
      this.marks.set(index, mark);
    }
    svg.appendChild(markLayer);

    if (previous !== null) {
      previous.replaceWith(svg);
    } else {
      this.figure.insertBefore(svg, this.figure.firstChild);
    }
    if (hadFocus && this.marks.has(this.current)) {
      this.marks.get(this.current).focus();
    }
  };

  // Return the indexes of the events inside the shown span, in date order.
  Overview.prototype.visibleIndexes = function () {
    const [first, last] = this.view;
    const indexes = [];
    this.events.forEach((event, index) => {
      if (event.time >= first && event.time <= last) {
        indexes.push(index);
      }
    });
    return indexes;
  };

  // Show the span of `span` milliseconds centred on `centre`, kept inside the whole timeline.
  Overview.prototype.showSpan = function (centre, span) {
    const [fullFirst, fullLast] = this.full;
    const bounded = Math.min(Math.max(span, MIN_SPAN_MS), fullLast - fullFirst);
    const first = Math.min(Math.max(centre - bounded / 2, fullFirst), fullLast - bounded);
    this.view = [first, first + bounded];
    this.draw();
  };

  // Zoom around the date of the mark the reader last moved to, or around the middle before that.
  Overview.prototype.zoom = function (direction) {
    if (direction === "reset") {
      this.view = this.full.slice();
      this.draw();
      return;
    }
    const [first, last] = this.view;
    const chosen = this.chosen && this.marks.has(this.current);
    const centre = chosen ? this.events[this.current].time : (first + last) / 2;
    const factor = direction === "in" ? 1 / ZOOM_FACTOR : ZOOM_FACTOR;
    this.showSpan(centre, (last - first) * factor);
  };

  // Move the single tab stop of the strip to the mark of event `index` (the roving tabindex pattern),
  // panning the shown span when that event lies outside it.
  Overview.prototype.moveTo = function (index) {
    const bounded = Math.max(0, Math.min(this.events.length - 1, index));
    if (this.marks.has(this.current)) {
      this.marks.get(this.current).setAttribute("tabindex", "-1");
    }
    this.current = bounded;
    this.chosen = true;
    if (!this.marks.has(bounded)) {
      this.showSpan(this.events[bounded].time, this.view[1] - this.view[0]);
    }
    const mark = this.marks.get(bounded);
    mark.setAttribute("tabindex", "0");
    mark.focus();
  };

  Overview.prototype.onKey = function (keyEvent, index) {
    const moves = { ArrowRight: index + 1, ArrowDown: index + 1, ArrowLeft: index - 1, ArrowUp: index - 1,
      Home: 0, End: this.events.length - 1 };
    if (keyEvent.key === "Enter" || keyEvent.key === " ") {
      keyEvent.preventDefault();
      this.activate(index);
    } else if (keyEvent.key in moves) {
      keyEvent.preventDefault();
      this.moveTo(moves[keyEvent.key]);
    }
  };

  // Scroll to the mark's event in the list and focus it, so reading continues there.
  Overview.prototype.activate = function (index) {
    this.moveTo(index);
    const item = this.events[index].item;
    for (const marked of document.querySelectorAll("li.event.targeted")) {
      marked.classList.remove("targeted");
    }
    item.classList.add("targeted");
    item.scrollIntoView({ block: "center" });
    item.focus({ preventScroll: true });
  };

  function start() {
    const figure = document.getElementById("timeline-overview");
    if (figure === null) {
      return;
    }
    const events = readEvents();
    if (events.length === 0) {
      return;
    }
    figure.hidden = false;
    const overview = new Overview(figure, events);
    overview.draw();
    for (const button of figure.querySelectorAll("button[data-zoom]")) {
      button.addEventListener("click", () => overview.zoom(button.getAttribute("data-zoom")));
    }
    let pending = false;
    window.addEventListener("resize", () => {
      if (!pending) {
        pending = true;
        window.requestAnimationFrame(() => {
          pending = false;
          overview.draw();
        });
      }
    });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
