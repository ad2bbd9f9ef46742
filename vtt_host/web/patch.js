// RFC 6902 JSON Patch, applied in place, with RFC 6901 JSON Pointers.
// applyPatch(doc, ops) returns the (possibly new) root; a failing op throws PatchError
// and leaves the document partly changed, so callers resynchronise after an error.

export class PatchError extends Error {}

export function parsePointer(pointer) {
  if (pointer === "") return [];
  if (typeof pointer !== "string" || pointer[0] !== "/") {
    throw new PatchError(`bad JSON pointer ${JSON.stringify(pointer)}`);
  }
  return pointer
    .slice(1)
    .split("/")
    .map((token) => token.replace(/~1/g, "/").replace(/~0/g, "~"));
}

const INDEX = /^(0|[1-9][0-9]*)$/;

function arrayIndex(array, token, forAdd) {
  if (forAdd && token === "-") return array.length;
  if (!INDEX.test(token)) throw new PatchError(`bad array index ${token}`);
  const index = Number(token);
  const limit = forAdd ? array.length : array.length - 1;
  if (index > limit) throw new PatchError(`array index ${index} out of range`);
  return index;
}

function isContainer(value) {
  return value !== null && typeof value === "object";
}

function has(object, key) {
  return Object.prototype.hasOwnProperty.call(object, key);
}

// The parent container of a pointer's target and the last token.
function locate(doc, tokens) {
  let node = doc;
  for (let i = 0; i < tokens.length - 1; i += 1) {
    const token = tokens[i];
    if (Array.isArray(node)) node = node[arrayIndex(node, token, false)];
    else if (isContainer(node) && has(node, token)) node = node[token];
    else throw new PatchError(`path not found: /${tokens.slice(0, i + 1).join("/")}`);
  }
  if (!isContainer(node)) throw new PatchError("path goes through a non-container");
  return [node, tokens[tokens.length - 1]];
}

export function getPointer(doc, pointer) {
  let node = doc;
  for (const token of parsePointer(pointer)) {
    if (Array.isArray(node)) node = node[arrayIndex(node, token, false)];
    else if (isContainer(node) && has(node, token)) node = node[token];
    else throw new PatchError(`path not found: ${pointer}`);
  }
  return node;
}

function add(doc, pointer, value) {
  const tokens = parsePointer(pointer);
  if (tokens.length === 0) return value;
  const [parent, key] = locate(doc, tokens);
  if (Array.isArray(parent)) parent.splice(arrayIndex(parent, key, true), 0, value);
  else parent[key] = value;
  return doc;
}

function remove(doc, pointer) {
  const tokens = parsePointer(pointer);
  if (tokens.length === 0) throw new PatchError("cannot remove the whole document");
  const [parent, key] = locate(doc, tokens);
  let removed;
  if (Array.isArray(parent)) {
    [removed] = parent.splice(arrayIndex(parent, key, false), 1);
  } else {
    if (!has(parent, key)) throw new PatchError(`path not found: ${pointer}`);
    removed = parent[key];
    delete parent[key];
  }
  return [doc, removed];
}

function replace(doc, pointer, value) {
  const tokens = parsePointer(pointer);
  if (tokens.length === 0) return value;
  const [parent, key] = locate(doc, tokens);
  if (Array.isArray(parent)) parent[arrayIndex(parent, key, false)] = value;
  else if (has(parent, key)) parent[key] = value;
  else throw new PatchError(`path not found: ${pointer}`);
  return doc;
}

export function deepEqual(a, b) {
  if (a === b) return true;
  if (!isContainer(a) || !isContainer(b) || Array.isArray(a) !== Array.isArray(b)) return false;
  if (Array.isArray(a)) {
    return a.length === b.length && a.every((item, i) => deepEqual(item, b[i]));
  }
  const keys = Object.keys(a);
  return keys.length === Object.keys(b).length && keys.every((k) => has(b, k) && deepEqual(a[k], b[k]));
}

export function clone(value) {
  return isContainer(value) ? JSON.parse(JSON.stringify(value)) : value;
}

export function applyOp(doc, op) {
  if (!isContainer(op) || typeof op.path !== "string") throw new PatchError("bad operation");
  switch (op.op) {
    case "add":
      if (!has(op, "value")) throw new PatchError("add needs a value");
      return add(doc, op.path, clone(op.value));
    case "remove":
      return remove(doc, op.path)[0];
    case "replace":
      if (!has(op, "value")) throw new PatchError("replace needs a value");
      return replace(doc, op.path, clone(op.value));
    case "move": {
      if (op.from === op.path) return doc;
      if (op.path.startsWith(`${op.from}/`)) throw new PatchError("cannot move into a child");
      const [afterRemove, value] = remove(doc, op.from);
      return add(afterRemove, op.path, value);
    }
    case "copy":
      return add(doc, op.path, clone(getPointer(doc, op.from)));
    case "test":
      if (!deepEqual(getPointer(doc, op.path), op.value)) {
        throw new PatchError(`test failed at ${op.path}`);
      }
      return doc;
    default:
      throw new PatchError(`unknown op ${JSON.stringify(op.op)}`);
  }
}

export function applyPatch(doc, ops) {
  let root = doc;
  for (const op of ops) root = applyOp(root, op);
  return root;
}
