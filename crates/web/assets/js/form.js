// @ts-check
// The start form: the user count and ramp-up (hidden while a load shape sets
// the users), the host, the class picker with each class's settings dialog,
// the shape choice, the run time, the profile and the locustfile's custom
// options. It is checked here first, then by the server (`POST /swarm`),
// whose message is shown as it is.
import { postSwarm, postUserSettings } from "./api.js";
import { $, field, html, render, showError } from "./html.js";
import { args } from "./store.js";

/**
 * Fills the form from the page's data and wires it; `started(host)` runs
 * once the server has started the test.
 * @param {(host: string | null | undefined) => Promise<void>} started
 */
export function initStartForm(started) {
  field("user_count").value = String(args.num_users !== undefined ? args.num_users : 1);
  field("spawn_rate").value = String(args.spawn_rate !== undefined ? args.spawn_rate : 1);
  field("host").value = args.host || "";
  $("host-warning").hidden = !args.missing_host_warning;
  if (args.run_time) field("run_time").value = args.run_time + "s";
  field("profile").value = args.profile || "";
  applyShapeChoice();
  const shapes = args.available_shape_classes || ["Default"];
  if (args.show_userclass_picker && shapes.length > 1) {
    $("shape-picker").hidden = false;
    render($("shape_class"), html`${shapes.map((name) =>
      html`<option value="${name}"${name === args.shape_class && html` selected`}>${name}</option>`)}`);
    $("shape_class").addEventListener("change", () => {
      args.has_shape = field("shape_class").value !== "Default";
      applyShapeChoice();
    });
  }
  if (args.show_userclass_picker) {
    $("class-picker").hidden = false;
    render($("class-list"), html`${(args.available_user_classes || []).map((name) => html`<div class="class-row">
      <label class="check"><input type="checkbox" class="class-choice" checked value="${name}"><span>${name}</span></label>
      <button type="button" class="btn small class-settings" data-class="${name}" title="Settings of ${name}">Settings</button></div>`)}`);
    document.querySelectorAll(".class-settings").forEach((button) =>
      button.addEventListener("click", () => openClassSettings(/** @type {HTMLElement} */ (button).dataset.class || "")));
  }
  renderCustomOptions();
  const options = args.extra_options || {};
  if (Object.keys(options).some((name) => options[name].is_required && !options[name].has_value)) {
    /** @type {HTMLDetailsElement} */ ($("advanced")).open = true;
  }
  $("start-form").addEventListener("submit", (event) => {
    event.preventDefault();
    submit(started);
  });
  $("class-cancel").addEventListener("click", () => dialog("class-dialog").close());
  $("class-form").addEventListener("submit", (event) => {
    event.preventDefault();
    saveClassSettings();
  });
}

/**
 * A `<dialog>` of the page.
 * @param {string} id
 * @returns {HTMLDialogElement}
 */
export function dialog(id) {
  return /** @type {HTMLDialogElement} */ ($(id));
}

// While a load shape is in use, it sets the users: the form hides its fields.
function applyShapeChoice() {
  document.querySelectorAll(".common-option").forEach((label) => {
    /** @type {HTMLElement} */ (label).hidden = !!args.has_shape;
  });
  $("shape-note").hidden = !args.has_shape;
}

// ---------- per-class settings (class picker) ----------
/** The class whose settings the dialog shows. */
let settingsClass = "";

/** @param {string} name */
function openClassSettings(name) {
  const current = (args.users || {})[name] || {};
  settingsClass = name;
  $("class-dialog-name").textContent = name;
  field("class-host").value = current.host || "";
  field("class-weight").value = String(current.weight !== undefined ? current.weight : 1);
  field("class-fixed_count").value = String(current.fixed_count || 0);
  const running = current.tasks || [];
  render($("class-tasks"), html`${((args.available_user_tasks || {})[name] || []).map((task) =>
    html`<label class="check"><input type="checkbox" class="task-choice" value="${task}"${running.includes(task) && html` checked`}><span>${task}</span></label>`)}`);
  showError($("class-error"), "");
  dialog("class-dialog").showModal();
}

async function saveClassSettings() {
  const error = $("class-error");
  const weight = field("class-weight").value.trim();
  const fixed = field("class-fixed_count").value.trim();
  if (!(Number(weight) >= 0) || weight === "") return showError(error, "Enter a weight of 0 or more.");
  if (!/^\d+$/.test(fixed)) return showError(error, "Enter a whole number of users, or 0.");
  const tasks = checkedValues(".task-choice:checked");
  if (!tasks.length) return showError(error, "Choose at least one task.");
  const settings = {
    user_class_name: settingsClass,
    host: field("class-host").value.trim(),
    weight: Number(weight),
    fixed_count: Number(fixed),
    tasks: tasks,
  };
  const refused = await postUserSettings(settings);
  if (refused !== null) return showError(error, refused);
  args.users = args.users || {};
  args.users[settingsClass] = { host: settings.host || null, weight: settings.weight,
    fixed_count: settings.fixed_count, tasks: tasks };
  dialog("class-dialog").close();
}

/**
 * The values of the checkboxes `selector` finds.
 * @param {string} selector
 * @returns {string[]}
 */
function checkedValues(selector) {
  return Array.from(document.querySelectorAll(selector)).map((box) => /** @type {HTMLInputElement} */ (box).value);
}

// ---------- custom options ----------
function renderCustomOptions() {
  const box = $("custom-options");
  box.replaceChildren();
  const options = args.extra_options || {};
  (args.extra_options_order || Object.keys(options)).forEach((name) => {
    const option = options[name];
    const label = document.createElement("label");
    const title = html`${option.help_text || name}${option.is_required && html` <span class="required">*</span>`}`;
    /** @type {HTMLInputElement | HTMLSelectElement} */
    let input;
    if (option.kind === "flag") {
      label.className = "check";
      const box = document.createElement("input");
      box.type = "checkbox";
      box.checked = option.default_value === true;
      input = box;
      const span = document.createElement("span");
      render(span, title);
      label.append(input, span);
    } else {
      render(label, title);
      if (option.choices) {
        const select = document.createElement("select");
        select.multiple = !!option.is_multiple;
        const selected = [].concat(/** @type {any} */ (option.default_value) || []);
        option.choices.forEach((choice) => {
          const item = document.createElement("option");
          item.value = choice;
          item.textContent = choice;
          item.selected = selected.indexOf(/** @type {never} */ (choice)) >= 0;
          select.appendChild(item);
        });
        input = select;
      } else {
        const text = document.createElement("input");
        text.type = option.is_secret ? "password" : (option.kind === "integer" || option.kind === "float") ? "number" : "text";
        if (option.kind === "float") text.step = "any";
        text.value = option.default_value === null ? "" : String(option.default_value);
        if (option.is_secret && option.has_value) text.placeholder = "(set; leave blank to keep)";
        input = text;
      }
      label.appendChild(input);
    }
    input.id = "opt-" + name;
    input.dataset.option = name;
    input.dataset.kind = option.kind;
    if (option.is_required && !(option.is_secret && option.has_value)) input.required = true;
    box.appendChild(label);
  });
}

/** @returns {Array<HTMLInputElement | HTMLSelectElement>} the custom options' fields */
function optionFields() {
  return Array.from(document.querySelectorAll("#custom-options [data-option]"));
}

/**
 * Appends the custom options' values to the form.
 * @param {URLSearchParams} form
 */
function appendOptions(form) {
  optionFields().forEach((input) => {
    const name = input.dataset.option || "";
    if (input instanceof HTMLInputElement && input.type === "checkbox") {
      form.append(name, input.checked ? "true" : "false");
    } else if (input instanceof HTMLSelectElement && input.multiple) {
      const picked = Array.from(input.selectedOptions).map((o) => o.value);
      form.append(name, picked.join(","));
    } else {
      form.append(name, input.value);
    }
  });
}

/** @returns {string} what is wrong with the form, or "" */
function checkStartForm() {
  const users = field("user_count").value.trim();
  const rate = field("spawn_rate").value.trim();
  if (!args.has_shape && !/^\d+$/.test(users)) return "Enter the number of users (a whole number, 0 or more).";
  if (!args.has_shape && !(Number(rate) > 0)) return "Enter a ramp up greater than 0.";
  const host = field("host").value.trim();
  if (host && !/^https?:\/\//.test(host)) return "The host must start with http:// or https://.";
  if (args.missing_host_warning && !host) return "Enter a host: some user classes have none.";
  if (args.show_userclass_picker && !document.querySelector(".class-choice:checked")) {
    return "Pick at least one user class.";
  }
  const runTime = field("run_time").value.trim();
  if (runTime && !/^(\d+|(\d+h)?(\d+m)?(\d+s)?)$/.test(runTime)) {
    return "Valid run time formats are: 20, 20s, 3m, 2h, 1h20m, 3h30m10s.";
  }
  for (const input of optionFields()) {
    if (input.required && input.type !== "checkbox" && !input.value) {
      return "Fill in the required option '" + input.dataset.option + "'.";
    }
  }
  return "";
}

/** @param {(host: string | null | undefined) => Promise<void>} started */
async function submit(started) {
  const error = $("form-error");
  const problem = checkStartForm();
  showError(error, problem);
  if (problem) return;
  const form = new URLSearchParams();
  if (!args.has_shape) {
    form.append("user_count", field("user_count").value.trim());
    form.append("spawn_rate", field("spawn_rate").value.trim());
  }
  form.append("host", field("host").value.trim());
  form.append("run_time", field("run_time").value.trim());
  form.append("profile", field("profile").value.trim());
  if (!$("shape-picker").hidden) form.append("shape_class", field("shape_class").value);
  checkedValues(".class-choice:checked").forEach((name) => form.append("user_classes", name));
  appendOptions(form);
  const button = /** @type {HTMLButtonElement} */ ($("start-button"));
  button.disabled = true;
  try {
    const answer = await postSwarm(form);
    if (!answer.success) {
      showError(error, answer.message || "The test could not start.");
      return;
    }
    await started(answer.host);
  } catch (e) {
    showError(error, "The server did not answer: " + /** @type {Error} */ (e).message);
  } finally {
    button.disabled = false;
  }
}
