// @ts-check
// Tabs a locustfile adds (Locust's extension keys, set by its Flask app's
// page): each of `args.extended_tabs` ({title, key}) gets a tab showing a
// table, its columns from `args.extended_tables` ({key, structure: [{key,
// title}]}), its rows from the `extended_stats` ({key, data}) of
// `/stats/requests`. Everything is written as text.
import { $ } from "./html.js";
import { fmtNumber } from "./format.js";
import { args } from "./store.js";

/**
 * An extended tab's table.
 * @typedef {object} ExtendedTable
 * @property {Array<{key: string, title: string}>} structure
 * @property {HTMLTableSectionElement} body
 * @property {HTMLElement} empty
 */

/** @type {Record<string, ExtendedTable>} by tab key */
const tables = {};

/** Adds the tabs and their panels (before the Workers tab, after the Logs panel). */
export function addExtendedTabs() {
  (Array.isArray(args.extended_tabs) ? args.extended_tabs : []).forEach((tab, index) => {
    const name = "extended-" + index;
    const button = document.createElement("button");
    button.className = "tab";
    button.dataset.tab = name;
    button.dataset.key = String(tab.key);
    button.textContent = String(tab.title);
    $("workers-tab").before(button);
    const structure = ((Array.isArray(args.extended_tables) ? args.extended_tables : [])
      .find((table) => table && table.key === tab.key) || { structure: [] }).structure || [];
    const panel = document.createElement("div");
    panel.className = "panel";
    panel.dataset.panel = name;
    panel.hidden = true;
    const scroll = document.createElement("div");
    scroll.className = "table-scroll";
    const table = document.createElement("table");
    table.className = "data extended-table";
    const headRow = table.createTHead().insertRow();
    structure.forEach((column) => {
      const th = document.createElement("th");
      th.textContent = String(column.title);
      headRow.appendChild(th);
    });
    const body = table.createTBody();
    scroll.appendChild(table);
    const empty = document.createElement("p");
    empty.className = "empty";
    empty.textContent = "No data yet.";
    panel.append(scroll, empty);
    /** @type {HTMLElement} */ (document.querySelector(".panel[data-panel='logs']")).after(panel);
    tables[tab.key] = { structure, body, empty };
  });
}

/**
 * Fills the tables from the `extended_stats` of `/stats/requests`.
 * @param {import("./api.js").ExtendedStats[] | undefined} extended
 */
export function renderExtendedStats(extended) {
  (Array.isArray(extended) ? extended : []).forEach((entry) => {
    const table = entry && tables[entry.key];
    if (!table) return;
    const data = Array.isArray(entry.data) ? entry.data : [];
    table.body.replaceChildren(...data.map((row) => {
      const tr = document.createElement("tr");
      table.structure.forEach((column) => {
        const td = tr.insertCell();
        const value = row ? row[column.key] : undefined;
        td.textContent = value === undefined || value === null ? "" :
          typeof value === "number" ? fmtNumber(value) : String(value);
      });
      return tr;
    }));
    table.empty.hidden = data.length > 0;
  });
}
