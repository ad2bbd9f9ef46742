// Everything a pointer does on the map, in one place: drag a token, measure (Shift-drag
// or the Measure tool), ping (a long press, the P key or the Ping tool), paint fog (the
// GM's Reveal and Hide tools), pan (a drag on open ground, or two fingers) and zoom
// (two fingers apart, or Ctrl and the wheel). Listeners sit on the viewport, never on
// tokens, and a move reads no layout.

const DRAG_THRESHOLD = 5;
const LONG_PRESS_MS = 500;

// The cells on the line between two cells, both ends included (Bresenham).
export function cellsBetween(a, b) {
  const cells = [];
  let { x, y } = a;
  const dx = Math.abs(b.x - x);
  const dy = -Math.abs(b.y - y);
  const sx = x < b.x ? 1 : -1;
  const sy = y < b.y ? 1 : -1;
  let err = dx + dy;
  for (;;) {
    cells.push({ x, y });
    if (x === b.x && y === b.y) return cells;
    const e2 = 2 * err;
    if (e2 >= dy) {
      err += dy;
      x += sx;
    }
    if (e2 <= dx) {
      err += dx;
      y += sy;
    }
  }
}

export class PointerInput {
  constructor(map) {
    this.map = map;
    this.touches = new Map(); // pointerId -> {x, y}
    this.gesture = null;
    this.pinch = null;
    this.longPress = null;
    const viewport = map.viewport;
    viewport.addEventListener("pointerdown", (e) => this.down(e));
    viewport.addEventListener("pointermove", (e) => this.move(e));
    viewport.addEventListener("pointerup", (e) => this.up(e));
    viewport.addEventListener("pointercancel", (e) => this.cancel(e));
    viewport.addEventListener("wheel", (e) => this.wheel(e), { passive: false });
  }

  down(event) {
    const map = this.map;
    map.lastPointer = { x: event.clientX, y: event.clientY };
    map.lastPointerType = event.pointerType;
    if (event.pointerType === "touch") {
      this.touches.set(event.pointerId, { x: event.clientX, y: event.clientY });
      if (this.touches.size === 2) {
        this.abort();
        this.startPinch();
        return;
      }
      if (this.touches.size > 2) return;
    }
    if (event.pointerType === "mouse" && event.button !== 0) return;
    if (!map.grid || map.board.hidden) return;
    const cell = map.cellAt(event.clientX, event.clientY);
    const token = event.target.closest?.(".token");
    const tool = map.tool;
    let kind = "ground";
    if ((event.shiftKey || tool === "measure") && cell.inside) kind = "measure";
    else if (tool === "ping") kind = "ping";
    else if ((tool === "reveal" || tool === "hide") && map.gm && cell.inside) kind = "paint";
    else if (token && tool === "move" && map.isMine(token.dataset.actorId)) kind = "token";
    if (kind !== "measure") map.ruler.hide();
    const g = {
      kind,
      pointerId: event.pointerId,
      startX: event.clientX,
      startY: event.clientY,
      moved: false,
      cell,
      el: kind === "token" ? token : null,
      scrollLeft: map.viewport.scrollLeft,
      scrollTop: map.viewport.scrollTop,
    };
    this.gesture = g;
    // A token keeps its pointer from the start; elsewhere only once it moves, so that a
    // tap still clicks what it touched.
    if (g.el) g.el.setPointerCapture?.(event.pointerId);
    if (kind === "measure") map.ruler.show(cell, cell, map.currentMap());
    if (kind === "paint") {
      g.painted = new Set();
      g.last = cell;
      this.paint(g, [cell]);
    }
    if (kind === "ground" && event.pointerType !== "mouse" && cell.inside) {
      this.longPress = setTimeout(() => {
        g.pinged = true;
        map.pingAt(event.clientX, event.clientY);
      }, LONG_PRESS_MS);
    }
  }

  move(event) {
    if (event.pointerType === "touch" && this.touches.has(event.pointerId)) {
      this.touches.set(event.pointerId, { x: event.clientX, y: event.clientY });
      if (this.pinch) {
        this.pinchMove();
        return;
      }
    }
    const map = this.map;
    if (event.pointerType === "mouse") map.lastPointer = { x: event.clientX, y: event.clientY };
    const g = this.gesture;
    if (!g || event.pointerId !== g.pointerId) return;
    const dx = event.clientX - g.startX;
    const dy = event.clientY - g.startY;
    if (!g.moved && Math.hypot(dx, dy) < DRAG_THRESHOLD) return;
    event.preventDefault();
    if (!g.moved) {
      g.moved = true;
      clearTimeout(this.longPress);
      if (!g.el) map.viewport.setPointerCapture?.(event.pointerId);
    }
    if (g.kind === "token") map.dragTo(g.el, dx, dy, event.clientX, event.clientY);
    else if (g.kind === "measure") map.ruler.show(g.cell, map.cellAt(event.clientX, event.clientY), map.currentMap());
    else if (g.kind === "paint") {
      const cell = map.cellAt(event.clientX, event.clientY);
      this.paint(g, cellsBetween(g.last, cell));
      g.last = cell;
    } else if (g.kind === "ground" && !g.pinged) {
      map.viewport.scrollLeft = g.scrollLeft - dx;
      map.viewport.scrollTop = g.scrollTop - dy;
    }
  }

  up(event) {
    this.touches.delete(event.pointerId);
    if (this.pinch) {
      if (this.touches.size < 2) this.pinch = null;
      this.swallowClick();
      return;
    }
    const g = this.gesture;
    if (!g || event.pointerId !== g.pointerId) return;
    this.gesture = null;
    clearTimeout(this.longPress);
    const map = this.map;
    const quiet = () => this.swallowClick();
    if (g.kind === "token") {
      if (g.moved) {
        quiet();
        map.dropToken(g.el, event.clientX, event.clientY);
      }
    } else if (g.kind === "measure" || g.kind === "paint") {
      quiet();
      if (g.kind === "paint") map.paintDone(g.painted, map.tool === "reveal");
    } else if (g.kind === "ping") {
      quiet();
      if (!g.moved) map.pingAt(event.clientX, event.clientY);
    } else if (g.moved || g.pinged) {
      quiet();
    }
  }

  // The click that a drag's own release produces comes in the same task: skip only it.
  swallowClick() {
    this.map.swallowClick = true;
    setTimeout(() => {
      this.map.swallowClick = false;
    }, 0);
  }

  cancel(event) {
    this.touches.delete(event.pointerId);
    if (this.touches.size < 2) this.pinch = null;
    this.abort();
  }

  // Ends a one-finger gesture without its effect (a second finger came down).
  abort() {
    const g = this.gesture;
    this.gesture = null;
    clearTimeout(this.longPress);
    if (!g) return;
    if (g.kind === "token") this.map.endDrag(g.el);
    if (g.kind === "measure") this.map.ruler.hide();
    if (g.kind === "paint") {
      this.map.fog.redraw();
      this.map.renderFog();
    }
  }

  paint(g, cells) {
    const reveal = this.map.tool === "reveal";
    for (const { x, y } of cells) {
      const key = `${x},${y}`;
      if (g.painted.has(key)) continue;
      g.painted.add(key);
      this.map.fog.preview(x, y, reveal);
    }
  }

  startPinch() {
    const [a, b] = [...this.touches.values()];
    const map = this.map;
    if (!map.grid) return;
    const mid = { x: (a.x + b.x) / 2, y: (a.y + b.y) / 2 };
    this.pinch = { distance: Math.max(1, Math.hypot(a.x - b.x, a.y - b.y)), zoom: map.zoomValue(), anchor: map.anchorAt(mid.x, mid.y) };
  }

  pinchMove() {
    const [a, b] = [...this.touches.values()];
    const p = this.pinch;
    const factor = Math.hypot(a.x - b.x, a.y - b.y) / p.distance;
    this.map.zoomAnchored(p.zoom * factor, p.anchor, (a.x + b.x) / 2, (a.y + b.y) / 2);
  }

  wheel(event) {
    const map = this.map;
    if (!event.ctrlKey || !map.grid) return;
    event.preventDefault();
    const anchor = map.anchorAt(event.clientX, event.clientY);
    map.zoomAnchored(map.zoomValue() * Math.exp(-event.deltaY * 0.002), anchor, event.clientX, event.clientY);
  }
}
