// @ts-check
// The server's endpoints, as the page calls them, and the shapes of their
// answers (mirroring crates/web/src/stats_json.rs and api/stats.rs).
import { args } from "./store.js";

/**
 * A row of the statistics table (one request name, or the Aggregated total).
 * @typedef {object} StatsRow
 * @property {string} method
 * @property {string} name
 * @property {number} num_requests
 * @property {number} num_failures
 * @property {number} min_response_time
 * @property {number} max_response_time
 * @property {number} current_rps
 * @property {number} current_fail_per_sec
 * @property {number} avg_response_time
 * @property {number} median_response_time
 * @property {number} avg_content_length
 */

/**
 * A group of identical failures.
 * @typedef {object} StatsError
 * @property {string} method
 * @property {string} name
 * @property {string} error
 * @property {number} occurrences
 * @property {number} first_seen epoch seconds
 * @property {number} last_seen epoch seconds
 */

/**
 * A master's worker.
 * @typedef {object} WorkerInfo
 * @property {string} id
 * @property {string} state
 * @property {number} user_count
 * @property {number} cpu_usage
 * @property {number} memory_usage bytes
 */

/**
 * A table of an extended tab: its rows, by column key.
 * @typedef {object} ExtendedStats
 * @property {string} key the tab's key
 * @property {Array<Record<string, unknown>>} data
 */

/**
 * `GET /stats/requests`.
 * @typedef {object} StatsAnswer
 * @property {string} state
 * @property {number} user_count
 * @property {number} current_rps
 * @property {number} fail_ratio
 * @property {StatsRow[]} stats every row, Aggregated last
 * @property {StatsError[]} errors
 * @property {WorkerInfo[]} [workers] a master's only
 * @property {number} [worker_count] a master's only
 * @property {ExtendedStats[]} [extended_stats] added by a locustfile's Flask app
 * @property {ThresholdState[]} [thresholds] the run's thresholds, when it has any
 * @property {Generator} [generator] the generator's self-check (locusta's)
 */

/**
 * One threshold's live state in `/stats/requests`.
 * @typedef {object} ThresholdState
 * @property {string} threshold as written
 * @property {string} status waiting, no_data, passing, failing or aborted
 * @property {number | null} value in its metric's unit
 * @property {string} value_text
 * @property {string} limit_text
 */

/**
 * The generator's self-check (docs/health.md).
 * @typedef {object} Generator
 * @property {string} verdict "healthy" or "suspect"
 * @property {Array<{kind: string, message: string, worker?: string}>} reasons
 * @property {Object<string, WorkerHealth>} [workers] a master's only
 */

/**
 * A worker's own self-check, as it reported it.
 * @typedef {object} WorkerHealth
 * @property {boolean} suspect
 * @property {string[]} reasons
 * @property {number} cpu_percent its busiest generator thread, % of a core
 * @property {number} lag_ms its worst timer or hub lag
 */

/**
 * `GET /exceptions`.
 * @typedef {object} ExceptionsAnswer
 * @property {Array<{count: number, msg: string, traceback: string, nodes: string}>} exceptions
 */

/**
 * `GET /stats/history`: rows `[time, users, rps, failures/s, one value per
 * recorded percentile]`, and when each run started.
 * @typedef {object} HistoryAnswer
 * @property {number[][]} points
 * @property {number[]} run_starts
 */

/**
 * `GET /stats/endpoint`: rows `[time, rps, failures/s, p50, p95, p99]`.
 * @typedef {object} EndpointAnswer
 * @property {number[][]} points
 */

/**
 * `GET /logs`: the master's lines, and each worker's.
 * @typedef {object} LogsAnswer
 * @property {string[]} master
 * @property {Record<string, string[]>} [workers]
 */

/**
 * `POST /swarm`'s answer.
 * @typedef {object} SwarmAnswer
 * @property {boolean} success
 * @property {string} [message]
 * @property {string | null} [host]
 */

/**
 * A path of the UI under its base path (`--web-base-path`).
 * @param {string} path starting with "/"
 * @returns {string}
 */
export function url(path) {
  return (args.base_path || "") + path;
}

/**
 * GETs a path's JSON; throws on an error status.
 * @param {string} path
 * @returns {Promise<any>}
 */
export async function getJson(path) {
  const response = await fetch(url(path), { cache: "no-store" });
  if (!response.ok) throw new Error(path + ": " + response.status);
  return response.json();
}

/**
 * POSTs without a body (`/stop`, `/stats/reset`).
 * @param {string} path
 */
export async function post(path) {
  await fetch(url(path), { method: "POST" });
}

/**
 * POSTs the start (or edit) form to `/swarm`.
 * @param {URLSearchParams} form
 * @returns {Promise<SwarmAnswer>}
 */
export async function postSwarm(form) {
  const response = await fetch(url("/swarm"), {
    method: "POST",
    headers: { "Content-Type": "application/x-www-form-urlencoded" },
    body: form.toString(),
  });
  try {
    return await response.json();
  } catch (e) {
    return { success: false, message: "HTTP " + response.status };
  }
}

/**
 * POSTs a class's settings to `/user`: `null` when saved, else the
 * server's reason.
 * @param {object} settings
 * @returns {Promise<string | null>}
 */
export async function postUserSettings(settings) {
  const response = await fetch(url("/user"), {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify(settings),
  });
  if (response.ok) return null;
  const answer = await response.json().catch(() => ({ message: "the server refused: " + response.status }));
  return answer.message;
}
