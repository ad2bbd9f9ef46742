// The map: grid, optional image, fog, tokens, ruler and pings; drag (mouse, pen, touch),
// tap-to-move and arrow keys move your own tokens (any token on the GM's page).

import { FogLayer, rowAreas } from "./fog.js";
import { Pings } from "./pings.js";
import { PointerInput } from "./pointer.js";
import { Ruler } from "./ruler.js";
import { assetUrl, layoutStacks, newToken, updateToken, watchTokenImages } from "./tokens.js";

const TOKEN_SIZE = 64; // px a token is laid out at (style.css .token), then scaled
const PREVIEW_SIDE = 1024; // vtt_host/previews.py PREVIEW_SIDE_PX
const MIN_CELL = 14;
const MAX_CELL = 120;
const PAD = 8; // the viewport's padding around the board
const MAX_FOG_AREAS = 4096;

export class MapView {
  constructor(root, { onMove, onNotice, onPing = () => {}, onPaintFog = () => {} }) {
    this.root = root;
    this.onMove = onMove;
    this.onNotice = onNotice;
    this.onPing = onPing;
    this.onPaintFog = onPaintFog;
    this.gm = false;
    this.tool = "move";
    this.lastPointer = null;
    this.viewport = root.querySelector(".map-viewport");
    this.board = root.querySelector(".map-board");
    this.art = root.querySelector(".map-art");
    this.image = root.querySelector(".map-image");
    this.hint = root.querySelector(".drop-hint");
    this.title = root.querySelector(".map-title");
    this.empty = root.querySelector(".map-empty");
    this.tokens = new Map(); // actorId -> element
    this.badges = new Map(); // "x,y" -> count badge of a stack
    this.tip = root.querySelector(".token-tip");
    this.overrides = new Map(); // actorId -> {x, y} while a move is in flight
    this.zoom = "fit";
    this.cell = 40;
    this.grid = null;
    this.view = null;
    this.me = null;
    this.selected = null;
    this.drag = null;
    this.currentActor = null;

    root.querySelector("[data-zoom=in]").addEventListener("click", () => this.zoomBy(1.25));
    root.querySelector("[data-zoom=out]").addEventListener("click", () => this.zoomBy(0.8));
    root.querySelector("[data-zoom=fit]").addEventListener("click", () => this.setZoom("fit"));
    root.querySelector("[data-zoom=mine]").addEventListener("click", () => this.focusMine());
    for (const button of root.querySelectorAll("[data-tool]")) {
      button.addEventListener("click", () => this.setTool(this.tool === button.dataset.tool ? "move" : button.dataset.tool));
    }
    watchTokenImages(this.board);
    this.fog = new FogLayer(this.board);
    this.ruler = new Ruler(this.board);
    this.pings = new Pings(this.board);
    this.input = new PointerInput(this);
    this.board.addEventListener("keydown", (e) => this.keyDown(e));
    document.addEventListener("keydown", (e) => this.pageKey(e));
    this.board.addEventListener("click", (e) => this.boardClick(e));
    new ResizeObserver(() => {
      if (this.zoom === "fit") this.layout();
    }).observe(this.viewport);
  }

  currentMap() {
    const id = this.view?.currentSession?.currentMapId;
    return id ? this.view.maps?.[id] || null : null;
  }

  render(view, me) {
    this.view = view;
    this.me = me;
    const map = this.currentMap();
    this.root.classList.toggle("has-map", Boolean(map));
    if (!map) {
      this.title.textContent = "No map";
      this.empty.hidden = false;
      this.board.hidden = true;
      this.grid = null;
      return;
    }
    this.empty.hidden = true;
    this.board.hidden = false;
    this.title.textContent = map.name;
    const grid = map.grid || {};
    const next = {
      width: grid.width || 30,
      height: grid.height || 20,
      cellSize: grid.cellSize || 50,
      offsetX: grid.offsetX || 0,
      offsetY: grid.offsetY || 0,
    };
    const gridChanged = !this.grid || this.mapId !== map.id || ["width", "height", "cellSize"].some((k) => this.grid[k] !== next[k]);
    this.grid = next;
    this.mapId = map.id;
    this.showImage(map);
    this.renderFog();
    this.board.setAttribute("aria-label", `${map.name}: ${next.width} by ${next.height} squares`);
    if (gridChanged) {
      this.layout();
      this.centered = false;
    } else {
      this.placeImage();
    }
    this.renderTokens();
    // In the next frame, which lays the page out anyway: reading the viewport's size
    // now would lay out every new token twice.
    if (!this.centered) requestAnimationFrame(() => this.centered || this.centerOnMine());
  }

  // The map's picture, if it has one that loads. A large picture comes in two steps:
  // the host's small preview (`/assets/<sha>/preview`, at most PREVIEW_SIDE px) first,
  // then the whole picture, but only once the map is zoomed in far enough to show more
  // than the preview holds. Both decode off the main thread: grid and tokens are drawn
  // at once over a plain colour, and a picture that fails leaves the grid.
  showImage(map) {
    const src = assetUrl(map.imageAsset);
    const size = map.imageSize;
    this.imageSize = size && size.width > 0 && size.height > 0 ? { width: size.width, height: size.height } : null;
    if (this.image.dataset.src === src) return;
    this.image.decoding = "async";
    this.image.dataset.src = src;
    this.image.dataset.loaded = "";
    this.image.dataset.full = "";
    this.fullWanted = false;
    this.art.hidden = true;
    this.board.classList.remove("has-image");
    this.board.classList.toggle("image-loading", Boolean(src));
    if (!src) {
      this.image.removeAttribute("src");
      return;
    }
    const large = this.imageSize && Math.max(this.imageSize.width, this.imageSize.height) > PREVIEW_SIDE;
    this.loadPicture(large ? `${src}/preview` : src, src, !large);
  }

  loadPicture(url, src, full) {
    const picture = new Image();
    picture.decoding = "async";
    picture.src = url;
    picture.decode().then(
      () => this.imageLoaded(src, url, full),
      () => (full || !this.imageSize ? this.imageFailed(src) : this.loadPicture(src, src, true)),
    );
  }

  imageLoaded(src, url, full) {
    if (this.image.dataset.src !== src || (!full && this.image.dataset.full)) return;
    this.image.src = url; // decoded already: the swap shows it at once
    this.image.dataset.loaded = "yes";
    if (full) this.image.dataset.full = "yes";
    this.board.classList.remove("image-loading");
    this.art.hidden = false;
    this.board.classList.add("has-image");
    this.placeImage();
  }

  // Whether the picture on screen is drawn larger than the preview holds.
  wantsFullPicture() {
    if (!this.imageSize || !this.grid) return false;
    const scale = this.cell / this.grid.cellSize;
    const shown = Math.max(this.imageSize.width, this.imageSize.height) * scale * (window.devicePixelRatio || 1);
    return shown > PREVIEW_SIDE * 1.25;
  }

  imageFailed(src) {
    if (this.image.dataset.src !== src) return;
    this.image.dataset.loaded = "";
    this.board.classList.remove("image-loading");
    this.art.hidden = true;
    this.board.classList.remove("has-image");
    this.onNotice("The map's picture could not be loaded; the grid is shown without it.", "error", true);
  }

  // The image is drawn at the map's scale: `cellSize` image pixels make one cell, and
  // the first cell starts at (offsetX, offsetY) on the image. So at `this.cell` page
  // pixels a cell, one image pixel is cell / cellSize page pixels, and a grid painted
  // into the picture falls on the page's grid at every zoom.
  placeImage() {
    if (!this.grid || !this.image.dataset.loaded) return;
    if (!this.image.dataset.full && !this.fullWanted && this.wantsFullPicture()) {
      this.fullWanted = true;
      const src = this.image.dataset.src;
      this.loadPicture(src, src, true);
    }
    const scale = this.cell / this.grid.cellSize;
    const width = this.imageSize?.width || this.image.naturalWidth;
    const height = this.imageSize?.height || this.image.naturalHeight;
    this.image.style.width = `${width * scale}px`;
    this.image.style.height = `${height * scale}px`;
    this.image.style.left = `${-this.grid.offsetX * scale}px`;
    this.image.style.top = `${-this.grid.offsetY * scale}px`;
  }

  layout() {
    if (!this.grid) return;
    let cell;
    if (this.zoom === "fit") {
      const width = this.viewport.clientWidth - 16;
      const height = this.viewport.clientHeight - 16;
      // The whole map, however small that makes it: pinch or + to come closer.
      cell = Math.max(2, Math.min(64, Math.floor(Math.min(width / this.grid.width, height / this.grid.height))));
    } else {
      cell = Math.max(this.leastCell(), Math.min(MAX_CELL, Math.round(this.grid.cellSize * this.zoom)));
    }
    if (!Number.isFinite(cell) || cell <= 0) cell = 40;
    if (cell !== this.cell) {
      // Tokens jump to the new scale rather than slide into it.
      this.board.classList.add("resizing");
      requestAnimationFrame(() => requestAnimationFrame(() => this.board.classList.remove("resizing")));
    }
    this.cell = cell;
    this.board.style.setProperty("--cell", `${cell}px`);
    this.board.style.setProperty("--token-scale", String(cell / TOKEN_SIZE));
    this.board.style.width = `${cell * this.grid.width}px`;
    this.board.style.height = `${cell * this.grid.height}px`;
    this.board.classList.toggle("show-names", cell >= 30);
    this.board.classList.toggle("tiny", cell < 22);
    this.placeImage();
  }

  // Zooming out stops at the whole map (or MIN_CELL, if that is smaller still).
  leastCell() {
    const width = (this.viewport.clientWidth || 400) - 2 * PAD;
    const height = (this.viewport.clientHeight || 400) - 2 * PAD;
    const fit = Math.floor(Math.min(width / this.grid.width, height / this.grid.height));
    return Math.max(2, Math.min(MIN_CELL, fit));
  }

  zoomValue() {
    return this.cell / this.grid.cellSize;
  }

  zoomBy(factor) {
    this.setZoom(this.zoomValue() * factor);
  }

  // The map point (in cells) under a page point, and the viewport's size, for zooming
  // around it without reading layout again on every step.
  anchorAt(clientX, clientY) {
    const rect = this.viewport.getBoundingClientRect();
    const offset = (size, client) => PAD + Math.max(0, (client - 2 * PAD - size) / 2);
    const width = this.viewport.clientWidth;
    const height = this.viewport.clientHeight;
    const bx = this.viewport.scrollLeft + clientX - rect.left - offset(this.cell * this.grid.width, width);
    const by = this.viewport.scrollTop + clientY - rect.top - offset(this.cell * this.grid.height, height);
    return { x: bx / this.cell, y: by / this.cell, rect, width, height, offset };
  }

  // Zoom so that the map point `anchor` lies under page point (clientX, clientY).
  zoomAnchored(zoom, anchor, clientX, clientY) {
    this.zoom = zoom;
    this.layout();
    const left = anchor.x * this.cell + anchor.offset(this.cell * this.grid.width, anchor.width);
    const top = anchor.y * this.cell + anchor.offset(this.cell * this.grid.height, anchor.height);
    this.viewport.scrollLeft = left - (clientX - anchor.rect.left);
    this.viewport.scrollTop = top - (clientY - anchor.rect.top);
  }

  setZoom(zoom) {
    const viewport = this.viewport;
    const cx = (viewport.scrollLeft + viewport.clientWidth / 2) / this.cell;
    const cy = (viewport.scrollTop + viewport.clientHeight / 2) / this.cell;
    this.zoom = zoom;
    this.layout();
    viewport.scrollLeft = cx * this.cell - viewport.clientWidth / 2;
    viewport.scrollTop = cy * this.cell - viewport.clientHeight / 2;
  }

  // Once per map: if the board is larger than the viewport, start on your token.
  centerOnMine() {
    const mine = [...this.tokens.values()].find((el) => el.classList.contains("mine"));
    if (!mine || this.viewport.clientWidth === 0) return;
    this.centered = true;
    const { x, y } = mine.dataset;
    this.viewport.scrollLeft = (Number(x) + 0.5) * this.cell - this.viewport.clientWidth / 2;
    this.viewport.scrollTop = (Number(y) + 0.5) * this.cell - this.viewport.clientHeight / 2;
  }

  focusMine() {
    const mine = [...this.tokens.values()].find((el) => el.classList.contains("mine"));
    if (!mine) {
      this.onNotice("You have no token on this map.");
      return;
    }
    const { x, y } = mine.dataset;
    this.viewport.scrollTo({
      left: (Number(x) + 0.5) * this.cell - this.viewport.clientWidth / 2,
      top: (Number(y) + 0.5) * this.cell - this.viewport.clientHeight / 2,
      behavior: "smooth",
    });
    mine.focus({ preventScroll: true });
  }

  position(actorId) {
    return this.overrides.get(actorId) || this.view.currentSession.tokenPositions[actorId];
  }

  // Only these tokens moved: update them (and the stacks) and nothing else. False when
  // that is not enough (a token new to the page, no map): the caller draws it all.
  moveTokens(view, actorIds) {
    if (!this.grid || view !== this.view) return false;
    const positions = view.currentSession?.tokenPositions || {};
    const ctx = this.tokenContext();
    for (const actorId of actorIds) {
      const el = this.tokens.get(actorId);
      const actor = view.actors?.[actorId];
      if (!el || !actor || !positions[actorId]) return false;
      ctx.pending = this.overrides.has(actorId);
      updateToken(el, actor, this.position(actorId), ctx);
    }
    layoutStacks(this.board, this.tokens, this.badges);
    return true;
  }

  tokenContext() {
    return {
      me: this.me,
      gm: this.gm,
      currentActor: this.currentActor,
      selected: this.selected,
      pending: false,
      playerName: (id) => this.playerName(id),
    };
  }

  renderTokens() {
    const view = this.view;
    const positions = view.currentSession?.tokenPositions || {};
    const initiative = view.currentSession?.initiative || [];
    const turn = initiative[view.currentSession?.turn ?? -1];
    this.currentActor = view.currentSession?.activeEncounterId && turn ? turn.actorId : null;
    const ctx = this.tokenContext();
    const seen = new Set();
    for (const actorId of Object.keys(positions)) {
      const actor = view.actors?.[actorId];
      if (!actor) continue;
      seen.add(actorId);
      let el = this.tokens.get(actorId);
      if (!el) {
        el = newToken(actorId);
        this.tokens.set(actorId, el);
        this.board.append(el);
      }
      ctx.pending = this.overrides.has(actorId);
      updateToken(el, actor, this.position(actorId), ctx);
    }
    for (const [actorId, el] of this.tokens) {
      if (!seen.has(actorId)) {
        el.remove();
        this.tokens.delete(actorId);
        if (this.selected === actorId) this.select(null);
      }
    }
    layoutStacks(this.board, this.tokens, this.badges);
  }

  // A short label over a token, for touch screens where names are not shown.
  showTip(el) {
    const actor = this.view.actors?.[el.dataset.actorId];
    if (!actor || !this.tip) return;
    this.tip.textContent = actor.name;
    this.tip.style.setProperty("--x", el.dataset.x);
    this.tip.style.setProperty("--y", el.dataset.y);
    this.tip.hidden = false;
    clearTimeout(this.tipTimer);
    this.tipTimer = setTimeout(() => {
      this.tip.hidden = true;
    }, 2500);
  }

  playerName(id) {
    return this.view.players?.[id]?.name || "another player";
  }

  // Whether this page may move the actor's token: its owner's, or any on the GM's page.
  isMine(actorId) {
    const actor = this.view?.actors?.[actorId];
    return Boolean(actor && (this.gm || (this.me && actor.owner === this.me)));
  }

  cellAt(clientX, clientY) {
    const rect = this.board.getBoundingClientRect();
    const x = Math.floor((clientX - rect.left) / this.cell);
    const y = Math.floor((clientY - rect.top) / this.cell);
    return {
      x: Math.max(0, Math.min(this.grid.width - 1, x)),
      y: Math.max(0, Math.min(this.grid.height - 1, y)),
      inside: x >= 0 && y >= 0 && x < this.grid.width && y < this.grid.height,
    };
  }

  showHint(cell) {
    if (!cell) {
      this.hint.hidden = true;
      return;
    }
    this.hint.hidden = false;
    this.hint.style.setProperty("--x", cell.x);
    this.hint.style.setProperty("--y", cell.y);
  }

  dragTo(el, dx, dy, clientX, clientY) {
    if (!el.classList.contains("dragging")) {
      el.classList.add("dragging");
      this.board.classList.add("is-dragging");
    }
    el.style.setProperty("--dx", `${dx}px`);
    el.style.setProperty("--dy", `${dy}px`);
    this.showHint(this.cellAt(clientX, clientY));
  }

  dropToken(el, clientX, clientY) {
    this.endDrag(el);
    const actorId = el.dataset.actorId;
    const cell = this.cellAt(clientX, clientY);
    const from = this.position(actorId);
    if (from && cell.x === from.x && cell.y === from.y) return;
    this.lastDrop = { actorId, x: cell.x, y: cell.y, at: performance.timeOrigin + performance.now() };
    this.onMove(actorId, cell.x, cell.y);
  }

  endDrag(el) {
    el.classList.remove("dragging");
    el.style.removeProperty("--dx");
    el.style.removeProperty("--dy");
    this.board.classList.remove("is-dragging");
    this.showHint(null);
  }

  setTool(tool) {
    this.tool = tool;
    this.root.dataset.activeTool = tool;
    for (const button of this.root.querySelectorAll("[data-tool]")) {
      button.setAttribute("aria-pressed", String(button.dataset.tool === tool));
    }
    if (tool !== "measure") this.ruler.hide();
  }

  renderFog() {
    const map = this.currentMap();
    if (map && this.grid) this.fog.render(map, this.grid, this.gm);
  }

  // The GM's brush strokes become one paint_fog action: runs of cells, row by row.
  paintDone(cells, reveal) {
    if (!cells.size || !this.mapId) return;
    const areas = rowAreas(cells).slice(0, MAX_FOG_AREAS);
    this.onPaintFog(this.mapId, reveal, areas);
  }

  // A ping where the pointer is (or was last over the map, or the middle of the view).
  pingAt(clientX, clientY) {
    if (!this.grid) return;
    const rect = this.board.getBoundingClientRect();
    const x = (clientX - rect.left) / this.cell;
    const y = (clientY - rect.top) / this.cell;
    if (x < 0 || y < 0 || x >= this.grid.width || y >= this.grid.height) return;
    this.onPing(Math.round(x * 100) / 100, Math.round(y * 100) / 100);
  }

  showPing(frame) {
    if (!this.grid || frame.mapId !== this.mapId) return null;
    if (!Number.isFinite(frame.x) || !Number.isFinite(frame.y)) return null;
    return this.pings.show(frame);
  }

  pageKey(event) {
    if (event.defaultPrevented || event.ctrlKey || event.metaKey || event.altKey) return;
    if (event.target.closest?.("input, textarea, select, [contenteditable]")) return;
    if (this.board.hidden || !this.grid || this.root.hidden) return;
    if (event.key === "p" || event.key === "P") {
      event.preventDefault();
      const rect = this.viewport.getBoundingClientRect();
      const p = this.lastPointer;
      const inside = p && p.x >= rect.left && p.x < rect.right && p.y >= rect.top && p.y < rect.bottom;
      this.pingAt(inside ? p.x : rect.left + rect.width / 2, inside ? p.y : rect.top + rect.height / 2);
    } else if (event.key === "Escape") {
      this.ruler.hide();
      if (this.tool !== "move") this.setTool("move");
    }
  }

  boardClick(event) {
    if (this.swallowClick) return;
    const el = event.target.closest(".token");
    if (el) {
      if (this.lastPointerType === "touch" || !this.board.classList.contains("show-names")) this.showTip(el);
      if (this.isMine(el.dataset.actorId)) {
        this.select(this.selected === el.dataset.actorId ? null : el.dataset.actorId);
      } else if (this.selected) {
        this.moveSelectedTo(event);
      }
      return;
    }
    if (this.selected) this.moveSelectedTo(event);
  }

  moveSelectedTo(event) {
    const cell = this.cellAt(event.clientX, event.clientY);
    if (!cell.inside) return;
    const actorId = this.selected;
    this.select(null);
    const from = this.position(actorId);
    if (from && from.x === cell.x && from.y === cell.y) return;
    this.onMove(actorId, cell.x, cell.y);
  }

  select(actorId) {
    this.selected = actorId;
    this.board.classList.toggle("has-selection", Boolean(actorId));
    for (const [id, el] of this.tokens) {
      el.classList.toggle("selected", id === actorId);
      if (this.isMine(id)) el.setAttribute("aria-pressed", String(id === actorId));
    }
    if (actorId) {
      const name = this.view.actors[actorId]?.name || "token";
      this.onNotice(`${name} selected: tap a square to move there.`, "info", true);
    }
  }

  keyDown(event) {
    const el = event.target.closest?.(".token");
    if (event.key === "Escape") {
      this.select(null);
      return;
    }
    if (!el || !this.isMine(el.dataset.actorId)) return;
    const steps = { ArrowUp: [0, -1], ArrowDown: [0, 1], ArrowLeft: [-1, 0], ArrowRight: [1, 0] };
    const step = steps[event.key];
    if (!step) return;
    event.preventDefault();
    const from = this.position(el.dataset.actorId);
    const x = Math.max(0, Math.min(this.grid.width - 1, from.x + step[0]));
    const y = Math.max(0, Math.min(this.grid.height - 1, from.y + step[1]));
    if (x !== from.x || y !== from.y) this.onMove(el.dataset.actorId, x, y);
  }

  // Optimistic moves: shown at once, dropped when the ack arrives (applied: the view
  // already has it; rejected: the token goes back).
  setOverride(actorId, pos) {
    this.overrides.set(actorId, pos);
    if (this.view && this.grid) this.renderTokens();
  }

  clearOverride(actorId, pos) {
    if (this.overrides.get(actorId) !== pos) return; // a later move is still in flight
    this.overrides.delete(actorId);
    if (this.view && this.grid) this.renderTokens();
  }
}
