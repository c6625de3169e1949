// @ts-check
// The dashboard's tabs: a button (`.tab[data-tab=name]`) shows the panel
// (`.panel[data-panel=name]`) of the same name and hides the others. A tab
// module says what to do when its tab is shown (`onShow`); the Failures and
// Exceptions tabs carry a badge with a count the user has not seen yet.
import { page } from "./store.js";

/** @type {Map<string, () => void>} */
const shown = new Map();

/**
 * Calls `action` each time the tab `name` is shown.
 * @param {string} name
 * @param {() => void} action
 */
export function onShow(name, action) {
  shown.set(name, action);
}

/**
 * Shows the tab `name`.
 * @param {string} name
 */
export function showTab(name) {
  page.activeTab = name;
  document.querySelectorAll(".tab").forEach((tab) => {
    tab.classList.toggle("active", /** @type {HTMLElement} */ (tab).dataset.tab === name);
  });
  document.querySelectorAll(".panel").forEach((panel) => {
    /** @type {HTMLElement} */ (panel).hidden = /** @type {HTMLElement} */ (panel).dataset.panel !== name;
  });
  const action = shown.get(name);
  if (action) action();
  updateBadges();
}

/** Makes every tab button (those added by extended tabs too) show its tab. */
export function wireTabs() {
  document.querySelectorAll(".tab").forEach((tab) => {
    tab.addEventListener("click", () => showTab(/** @type {HTMLElement} */ (tab).dataset.tab || ""));
  });
}

/** Counts and what was seen of them, by tab, for the badges. */
const badges = {
  failures: { count: 0, seen: 0 },
  exceptions: { count: 0, seen: 0 },
};

/**
 * The number of failures or exceptions now: a badge shows it until the
 * tab has been looked at.
 * @param {"failures" | "exceptions"} name
 * @param {number} count
 */
export function setCount(name, count) {
  badges[name].count = count;
  updateBadges();
}

function updateBadges() {
  for (const [name, badge] of Object.entries(badges)) {
    if (page.activeTab === name) badge.seen = badge.count;
    const element = /** @type {HTMLElement} */ (document.getElementById(name + "-badge"));
    element.textContent = String(badge.count);
    element.hidden = badge.count === 0 || page.activeTab === name || badge.count === badge.seen;
  }
}
