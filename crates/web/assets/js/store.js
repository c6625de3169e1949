// @ts-check
// What the modules share: the data the server filled the page with
// (`window.templateArgs`), the state of the page, and the choices the
// browser remembers.

/**
 * A custom option of the start form (crates/web/src/api/page.rs, `ExtraOption`).
 * @typedef {object} ExtraOption
 * @property {string | boolean | string[] | null} default_value
 * @property {boolean} is_secret
 * @property {boolean} has_value
 * @property {boolean} is_required
 * @property {string} help_text
 * @property {boolean} is_multiple
 * @property {string[] | null} choices
 * @property {"text" | "integer" | "float" | "flag" | "choice" | "multi_choice"} kind
 */

/**
 * A user class's settings (`ClassSettings`).
 * @typedef {object} ClassSettings
 * @property {string | null} host
 * @property {number} weight
 * @property {number} fixed_count
 * @property {string[]} tasks
 */

/**
 * A node of the task ratio tree (`GET /tasks`).
 * @typedef {object} RatioNode
 * @property {number} ratio
 * @property {Record<string, RatioNode>} [tasks]
 */

/**
 * The task ratio tree: per class (ratios relative to the parent) and in total.
 * @typedef {object} TaskRatios
 * @property {Record<string, RatioNode>} per_class
 * @property {Record<string, RatioNode>} total
 */

/**
 * The page's data: crates/web/src/api/page.rs, `TemplateArgs`, field for
 * field (see there what each means), plus the keys a locustfile's Flask app
 * may add (Locust's names: `extended_tabs`, `extended_tables`,
 * `extended_csv_files`).
 * @typedef {object} TemplateArgs
 * @property {string} locustfile
 * @property {string} state
 * @property {boolean} is_distributed
 * @property {number} user_count
 * @property {string} version
 * @property {string | null} host
 * @property {boolean} missing_host_warning
 * @property {number} num_users
 * @property {number} spawn_rate
 * @property {number} worker_count
 * @property {boolean} stats_history_enabled
 * @property {TaskRatios} tasks
 * @property {Record<string, ExtraOption>} extra_options
 * @property {string[]} extra_options_order
 * @property {number | null} run_time
 * @property {boolean} show_userclass_picker
 * @property {boolean} has_shape changed by the form's shape choice
 * @property {boolean} hide_common_options
 * @property {string[]} available_shape_classes
 * @property {string} shape_class
 * @property {string[]} available_user_classes
 * @property {Record<string, ClassSettings>} users changed by a class's settings dialog
 * @property {Record<string, string[]>} available_user_tasks
 * @property {number[]} percentiles_to_chart
 * @property {number[]} percentiles_recorded
 * @property {number[]} percentiles_to_statistics
 * @property {boolean} is_host_required
 * @property {string | null} profile
 * @property {string} base_path
 * @property {number[][]} history
 * @property {number[]} run_starts
 * @property {Array<{key: string, title: string}>} [extended_tabs]
 * @property {Array<{key: string, structure: Array<{key: string, title: string}>}>} [extended_tables]
 * @property {Array<{href: string, title: string}>} [extended_csv_files]
 */

/** @type {TemplateArgs} */
export const args = /** @type {any} */ (window).templateArgs || {};

/** The page's state. */
export const page = {
  /** The runner's state, as last heard. */
  state: args.state || "ready",
  /** Whether the start form is shown (else the dashboard). */
  showForm: (args.state || "ready") === "ready",
  /** The tab shown (`data-tab` of its button). */
  activeTab: "stats",
  /** @type {import("./api.js").StatsAnswer | null} the last statistics */
  lastStats: null,
};

/**
 * A choice the browser remembers (`localStorage`), or `fallback`.
 * @template T
 * @param {string} key
 * @param {T} fallback
 * @returns {T}
 */
export function remembered(key, fallback) {
  try {
    const value = JSON.parse(localStorage.getItem(key) || "null");
    return value === null ? fallback : value;
  } catch (e) {
    return fallback;
  }
}

/**
 * Remembers a choice (not at all in private mode).
 * @param {string} key
 * @param {unknown} value
 */
export function remember(key, value) {
  try { localStorage.setItem(key, JSON.stringify(value)); } catch (e) { /* private mode */ }
}

/** The theme shown, `light` or `dark` (set by the page before the modules load). */
export function currentTheme() {
  return document.documentElement.getAttribute("data-theme") || "light";
}
