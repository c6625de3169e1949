// @ts-check
// Markup that is safe by construction. Every piece of HTML the page builds
// from data goes through the `html` tagged template, which escapes each
// interpolated value unless that value is itself markup made by `html`:
//
//   html`<td title="${name}">${name}</td>`   // name is text, whatever it holds
//   html`<tr>${cells}</tr>`                  // cells: an array of html`…` values
//
// and reaches the page only through `render`, which takes nothing but such
// markup. So a request name, an error message or a class name full of
// `<script>` is shown as text, without anyone having to remember an escape
// call.

/** Markup made by `html` (and only by it): interpolated as it is. */
export class Html {
  /** @param {string} text the markup */
  constructor(text) {
    /** @readonly */
    this.text = text;
  }
}

/** @type {Record<string, string>} */
const ENTITIES = { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" };

/**
 * Text as HTML: safe between tags and inside a quoted attribute.
 * @param {unknown} text
 * @returns {string}
 */
function escape(text) {
  return String(text).replace(/[&<>"']/g, (c) => ENTITIES[c]);
}

/**
 * One interpolated value as markup: `Html` as it is, an array piece by
 * piece, `null`, `undefined` and `false` as nothing, anything else escaped.
 * @param {unknown} value
 * @returns {string}
 */
function piece(value) {
  if (value instanceof Html) return value.text;
  if (Array.isArray(value)) return value.map(piece).join("");
  if (value === null || value === undefined || value === false) return "";
  return escape(value);
}

/**
 * The tagged template: the literal parts as written, every value escaped.
 * @param {TemplateStringsArray} strings
 * @param {...unknown} values
 * @returns {Html}
 */
export function html(strings, ...values) {
  let text = strings[0];
  values.forEach((value, i) => {
    text += piece(value) + strings[i + 1];
  });
  return new Html(text);
}

/**
 * Replaces the contents of `element` with `markup`.
 * @param {Element} element
 * @param {Html} markup
 */
export function render(element, markup) {
  element.innerHTML = markup.text;
}

/**
 * The element with this id (the page has every id the modules ask for).
 * @param {string} id
 * @returns {HTMLElement}
 */
export function $(id) {
  return /** @type {HTMLElement} */ (document.getElementById(id));
}

/**
 * The form field with this id.
 * @param {string} id
 * @returns {HTMLInputElement}
 */
export function field(id) {
  return /** @type {HTMLInputElement} */ (document.getElementById(id));
}

/**
 * Shows `message` in `element`, or hides it when the message is empty.
 * @param {HTMLElement} element
 * @param {string} message
 */
export function showError(element, message) {
  element.textContent = message;
  element.hidden = !message;
}
