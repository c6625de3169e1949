// @ts-check
// Numbers, durations, sizes and times as the page shows them, in the
// browser's locale. Missing values show as "–".

/**
 * A number with at most `digits` decimals (2 by default).
 * @param {number | null | undefined} value
 * @param {number} [digits]
 * @returns {string}
 */
export function fmtNumber(value, digits) {
  if (value === null || value === undefined || Number.isNaN(value)) return "–";
  return Number(value).toLocaleString(undefined, {
    minimumFractionDigits: 0,
    maximumFractionDigits: digits === undefined ? 2 : digits,
  });
}

/**
 * A number with exactly `digits` decimals.
 * @param {number} value
 * @param {number} digits
 * @returns {string}
 */
export function fmtFixed(value, digits) {
  return Number(value).toLocaleString(undefined, { minimumFractionDigits: digits, maximumFractionDigits: digits });
}

/**
 * Milliseconds: two decimals below 10 ms, one below 100 ms, none above.
 * @param {number | null | undefined} value
 * @returns {string}
 */
export function fmtMs(value) {
  if (value === null || value === undefined) return "–";
  if (value < 10) return fmtFixed(value, 2);
  if (value < 100) return fmtFixed(value, 1);
  return fmtFixed(Math.round(value), 0);
}

/**
 * The time of day of an epoch time in seconds.
 * @param {number} epoch
 * @returns {string}
 */
export function fmtTime(epoch) {
  return new Date(epoch * 1000).toLocaleTimeString();
}

/**
 * The date and time of an epoch time in seconds.
 * @param {number} epoch
 * @returns {string}
 */
export function fmtDateTime(epoch) {
  return new Date(epoch * 1000).toLocaleString();
}

/**
 * A size in bytes, KiB, MiB, GiB or TiB.
 * @param {number | null | undefined} bytes
 * @returns {string}
 */
export function fmtBytes(bytes) {
  const units = ["B", "KiB", "MiB", "GiB", "TiB"];
  let value = bytes || 0;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) { value /= 1024; unit += 1; }
  return fmtNumber(value, unit === 0 ? 0 : 1) + " " + units[unit];
}
