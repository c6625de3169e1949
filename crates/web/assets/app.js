// locusta web UI: plain JavaScript, no build step. It polls Locust's endpoints
// and draws its own charts on canvases.
"use strict";

(function () {
  const args = window.templateArgs || {};
  const BASE = args.base_path || "";
  const POLL_MS = 2000;
  const SLOW_POLL_MS = 5000;
  const ROW_HEIGHT = 34;

  const $ = (id) => document.getElementById(id);
  const url = (path) => BASE + path;

  // ---------- formatting ----------
  function fmtNumber(value, digits) {
    if (value === null || value === undefined || Number.isNaN(value)) return "–";
    return Number(value).toLocaleString(undefined, {
      minimumFractionDigits: 0,
      maximumFractionDigits: digits === undefined ? 2 : digits,
    });
  }
  function fmtFixed(value, digits) {
    return Number(value).toLocaleString(undefined, { minimumFractionDigits: digits, maximumFractionDigits: digits });
  }
  function fmtMs(value) {
    if (value === null || value === undefined) return "–";
    if (value < 10) return fmtFixed(value, 2);
    if (value < 100) return fmtFixed(value, 1);
    return fmtFixed(Math.round(value), 0);
  }
  function fmtTime(epoch) {
    return new Date(epoch * 1000).toLocaleTimeString();
  }
  function fmtDateTime(epoch) {
    return new Date(epoch * 1000).toLocaleString();
  }
  function escapeHtml(text) {
    return String(text)
      .replace(/&/g, "&amp;")
      .replace(/</g, "&lt;")
      .replace(/>/g, "&gt;")
      .replace(/"/g, "&quot;");
  }

  async function getJson(path) {
    const response = await fetch(url(path), { cache: "no-store" });
    if (!response.ok) throw new Error(path + ": " + response.status);
    return response.json();
  }

  // ---------- theme ----------
  function currentTheme() {
    return document.documentElement.getAttribute("data-theme") || "light";
  }
  $("theme-toggle").addEventListener("click", () => {
    const next = currentTheme() === "dark" ? "light" : "dark";
    document.documentElement.setAttribute("data-theme", next);
    try { localStorage.setItem("locusta-theme", next); } catch (e) { /* private mode */ }
    allCharts().forEach((chart) => chart.draw());
    renderDownloads();
  });

  // ---------- state ----------
  let state = args.state || "ready";
  let showForm = state === "ready";
  let lastStats = null;

  function applyState(newState) {
    state = newState;
    const status = $("status");
    status.textContent = state;
    status.className = "state " + state;
    const active = state === "running" || state === "spawning";
    $("edit-button").hidden = !active || !!args.has_shape;
    $("stop-button").hidden = !active;
    $("reset-button").hidden = state === "ready";
    $("new-test-button").hidden = !(state === "stopped");
    $("start-view").hidden = !showForm;
    $("dashboard").hidden = showForm;
    $("cancel-start").hidden = state === "ready";
  }

  // ---------- start form ----------
  function fillStartForm() {
    $("user_count").value = args.num_users !== undefined ? args.num_users : 1;
    $("spawn_rate").value = args.spawn_rate !== undefined ? args.spawn_rate : 1;
    $("host").value = args.host || "";
    $("host-warning").hidden = !args.missing_host_warning;
    if (args.run_time) $("run_time").value = args.run_time + "s";
    $("profile").value = args.profile || "";
    applyShapeChoice();
    const shapes = args.available_shape_classes || ["Default"];
    if (args.show_userclass_picker && shapes.length > 1) {
      $("shape-picker").hidden = false;
      $("shape_class").innerHTML = shapes.map((name) => '<option value="' + escapeHtml(name) + '"' +
        (name === args.shape_class ? " selected" : "") + ">" + escapeHtml(name) + "</option>").join("");
      $("shape_class").addEventListener("change", () => {
        args.has_shape = $("shape_class").value !== "Default";
        applyShapeChoice();
      });
    }
    if (args.show_userclass_picker) {
      $("class-picker").hidden = false;
      $("class-list").innerHTML = (args.available_user_classes || []).map((name) =>
        '<div class="class-row"><label class="check"><input type="checkbox" class="class-choice" checked value="' +
        escapeHtml(name) + '"><span>' + escapeHtml(name) + "</span></label>" +
        '<button type="button" class="btn small class-settings" data-class="' + escapeHtml(name) +
        '" title="Settings of ' + escapeHtml(name) + '">Settings</button></div>').join("");
      document.querySelectorAll(".class-settings").forEach((button) =>
        button.addEventListener("click", () => openClassSettings(button.dataset.class)));
    }
    renderCustomOptions();
    const options = args.extra_options || {};
    if (Object.keys(options).some((name) => options[name].is_required && !options[name].has_value)) {
      $("advanced").open = true;
    }
  }

  // While a load shape is in use, it sets the users: the form hides its fields.
  function applyShapeChoice() {
    document.querySelectorAll(".common-option").forEach((field) => { field.hidden = !!args.has_shape; });
    $("shape-note").hidden = !args.has_shape;
  }

  // ---------- per-class settings (class picker) ----------
  let settingsClass = null;
  function openClassSettings(name) {
    const current = (args.users || {})[name] || {};
    settingsClass = name;
    $("class-dialog-name").textContent = name;
    $("class-host").value = current.host || "";
    $("class-weight").value = current.weight !== undefined ? current.weight : 1;
    $("class-fixed_count").value = current.fixed_count || 0;
    const running = current.tasks || [];
    $("class-tasks").innerHTML = ((args.available_user_tasks || {})[name] || []).map((task) =>
      '<label class="check"><input type="checkbox" class="task-choice" value="' + escapeHtml(task) + '"' +
      (running.includes(task) ? " checked" : "") + "><span>" + escapeHtml(task) + "</span></label>").join("");
    showError($("class-error"), "");
    $("class-dialog").showModal();
  }
  $("class-cancel").addEventListener("click", () => $("class-dialog").close());
  $("class-form").addEventListener("submit", async (event) => {
    event.preventDefault();
    const weight = $("class-weight").value.trim();
    const fixed = $("class-fixed_count").value.trim();
    if (!(Number(weight) >= 0) || weight === "") return showError($("class-error"), "Enter a weight of 0 or more.");
    if (!/^\d+$/.test(fixed)) return showError($("class-error"), "Enter a whole number of users, or 0.");
    const tasks = Array.from(document.querySelectorAll(".task-choice:checked")).map((box) => box.value);
    if (!tasks.length) return showError($("class-error"), "Choose at least one task.");
    const settings = {
      user_class_name: settingsClass,
      host: $("class-host").value.trim(),
      weight: Number(weight),
      fixed_count: Number(fixed),
      tasks: tasks,
    };
    const response = await fetch(url("/user"), {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify(settings),
    });
    if (!response.ok) {
      const answer = await response.json().catch(() => ({ message: "the server refused: " + response.status }));
      return showError($("class-error"), answer.message);
    }
    args.users = args.users || {};
    args.users[settingsClass] = { host: settings.host || null, weight: settings.weight,
      fixed_count: settings.fixed_count, tasks: tasks };
    $("class-dialog").close();
  });

  function renderCustomOptions() {
    const box = $("custom-options");
    box.innerHTML = "";
    const options = args.extra_options || {};
    (args.extra_options_order || Object.keys(options)).forEach((name) => {
      const option = options[name];
      const label = document.createElement("label");
      const title = escapeHtml(option.help_text || name) +
        (option.is_required ? ' <span class="required">*</span>' : "");
      const id = "opt-" + name;
      let input;
      if (option.kind === "flag") {
        label.className = "check";
        input = document.createElement("input");
        input.type = "checkbox";
        input.checked = option.default_value === true;
        label.appendChild(input);
        label.insertAdjacentHTML("beforeend", "<span>" + title + "</span>");
      } else {
        label.innerHTML = title;
        if (option.choices) {
          input = document.createElement("select");
          input.multiple = !!option.is_multiple;
          const selected = [].concat(option.default_value || []);
          option.choices.forEach((choice) => {
            const item = document.createElement("option");
            item.value = choice;
            item.textContent = choice;
            item.selected = selected.indexOf(choice) >= 0;
            input.appendChild(item);
          });
        } else {
          input = document.createElement("input");
          input.type = option.is_secret ? "password" : (option.kind === "integer" || option.kind === "float") ? "number" : "text";
          if (option.kind === "float") input.step = "any";
          input.value = option.default_value === null ? "" : option.default_value;
          if (option.is_secret && option.has_value) input.placeholder = "(set; leave blank to keep)";
        }
        label.appendChild(input);
      }
      input.id = id;
      input.dataset.option = name;
      input.dataset.kind = option.kind;
      if (option.is_required && !(option.is_secret && option.has_value)) input.required = true;
      box.appendChild(label);
    });
  }

  function customOptionFields(form) {
    document.querySelectorAll("#custom-options [data-option]").forEach((input) => {
      const name = input.dataset.option;
      if (input.type === "checkbox") {
        form.append(name, input.checked ? "true" : "false");
      } else if (input.multiple) {
        const picked = Array.from(input.selectedOptions).map((o) => o.value);
        form.append(name, picked.join(","));
      } else {
        form.append(name, input.value);
      }
    });
  }

  function showError(element, message) {
    element.textContent = message;
    element.hidden = !message;
  }

  function checkStartForm() {
    const users = $("user_count").value.trim();
    const rate = $("spawn_rate").value.trim();
    if (!args.has_shape && !/^\d+$/.test(users)) return "Enter the number of users (a whole number, 0 or more).";
    if (!args.has_shape && !(Number(rate) > 0)) return "Enter a ramp up greater than 0.";
    const host = $("host").value.trim();
    if (host && !/^https?:\/\//.test(host)) return "The host must start with http:// or https://.";
    if (args.missing_host_warning && !host) return "Enter a host: some user classes have none.";
    if (args.show_userclass_picker && !document.querySelector(".class-choice:checked")) {
      return "Pick at least one user class.";
    }
    const runTime = $("run_time").value.trim();
    if (runTime && !/^(\d+|(\d+h)?(\d+m)?(\d+s)?)$/.test(runTime)) {
      return "Valid run time formats are: 20, 20s, 3m, 2h, 1h20m, 3h30m10s.";
    }
    for (const input of document.querySelectorAll("#custom-options [data-option]")) {
      if (input.required && input.type !== "checkbox" && !input.value) {
        return "Fill in the required option '" + input.dataset.option + "'.";
      }
    }
    return "";
  }

  async function postSwarm(form) {
    const response = await fetch(url("/swarm"), {
      method: "POST",
      headers: { "Content-Type": "application/x-www-form-urlencoded" },
      body: form.toString(),
    });
    let answer;
    try { answer = await response.json(); } catch (e) { answer = { success: false, message: "HTTP " + response.status }; }
    return answer;
  }

  $("start-form").addEventListener("submit", async (event) => {
    event.preventDefault();
    const problem = checkStartForm();
    showError($("form-error"), problem);
    if (problem) return;
    const form = new URLSearchParams();
    if (!args.has_shape) {
      form.append("user_count", $("user_count").value.trim());
      form.append("spawn_rate", $("spawn_rate").value.trim());
    }
    form.append("host", $("host").value.trim());
    form.append("run_time", $("run_time").value.trim());
    form.append("profile", $("profile").value.trim());
    if (!$("shape-picker").hidden) form.append("shape_class", $("shape_class").value);
    document.querySelectorAll(".class-choice:checked").forEach((box) => form.append("user_classes", box.value));
    customOptionFields(form);
    $("start-button").disabled = true;
    try {
      const answer = await postSwarm(form);
      if (!answer.success) {
        showError($("form-error"), answer.message || "The test could not start.");
        return;
      }
      if (answer.host) $("header-host").textContent = answer.host;
      showForm = false;
      applyState("spawning");
      await refreshHistory(true);
      poll();
    } catch (e) {
      showError($("form-error"), "The server did not answer: " + e.message);
    } finally {
      $("start-button").disabled = false;
    }
  });

  $("cancel-start").addEventListener("click", () => {
    showForm = false;
    applyState(state);
  });

  $("new-test-button").addEventListener("click", () => {
    showForm = true;
    $("start-title").textContent = "Start a new load test";
    showError($("form-error"), "");
    applyState(state);
  });

  // ---------- edit, stop, reset ----------
  $("edit-button").addEventListener("click", () => {
    $("edit-user_count").value = $("user_count").value || (lastStats ? lastStats.user_count : 1);
    $("edit-spawn_rate").value = $("spawn_rate").value || 1;
    showError($("edit-error"), "");
    $("edit-dialog").showModal();
  });
  $("edit-cancel").addEventListener("click", () => $("edit-dialog").close());
  $("edit-form").addEventListener("submit", async (event) => {
    event.preventDefault();
    const users = $("edit-user_count").value.trim();
    const rate = $("edit-spawn_rate").value.trim();
    if (!/^\d+$/.test(users)) return showError($("edit-error"), "Enter a whole number of users.");
    if (!(Number(rate) > 0)) return showError($("edit-error"), "Enter a ramp up greater than 0.");
    const form = new URLSearchParams({ user_count: users, spawn_rate: rate });
    const answer = await postSwarm(form);
    if (!answer.success) return showError($("edit-error"), answer.message);
    $("user_count").value = users;
    $("spawn_rate").value = rate;
    $("edit-dialog").close();
    poll();
  });

  $("stop-button").addEventListener("click", async () => {
    await fetch(url("/stop"), { method: "POST" });
    poll();
  });

  $("reset-button").addEventListener("click", async () => {
    await fetch(url("/stats/reset"), { method: "POST" });
    poll();
  });

  // ---------- extended tabs (Locust's extension keys, set by a locustfile's page) ----------
  // Each of args.extended_tabs ({title, key}) gets a tab showing a table: its
  // columns from args.extended_tables ({key, structure: [{key, title}]}), its
  // rows from the extended_stats ({key, data}) of /stats/requests.
  const extendedTables = {};
  (Array.isArray(args.extended_tabs) ? args.extended_tabs : []).forEach((tab, index) => {
    const name = "extended-" + index;
    const button = document.createElement("button");
    button.className = "tab";
    button.dataset.tab = name;
    button.dataset.key = String(tab.key);
    button.textContent = String(tab.title);
    $("workers-tab").before(button);
    const structure = ((Array.isArray(args.extended_tables) ? args.extended_tables : [])
      .find((table) => table && table.key === tab.key) || {}).structure || [];
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
    document.querySelector(".panel[data-panel='logs']").after(panel);
    extendedTables[tab.key] = { structure, body, empty };
  });

  function renderExtendedStats(extended) {
    (Array.isArray(extended) ? extended : []).forEach((entry) => {
      const table = entry && extendedTables[entry.key];
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

  // ---------- tabs ----------
  let activeTab = "stats";
  document.querySelectorAll(".tab").forEach((tab) => {
    tab.addEventListener("click", () => {
      activeTab = tab.dataset.tab;
      document.querySelectorAll(".tab").forEach((t) => t.classList.toggle("active", t === tab));
      document.querySelectorAll(".panel").forEach((panel) => {
        panel.hidden = panel.dataset.panel !== activeTab;
      });
      if (activeTab === "charts") allCharts().forEach((chart) => chart.draw());
      if (activeTab === "logs") refreshLogs();
      if (activeTab === "stats") renderStats();
      if (activeTab === "failures") seenFailures = failureCount;
      if (activeTab === "exceptions") seenExceptions = exceptionCount;
      updateBadges();
    });
  });

  // ---------- statistics table (only the visible rows are in the DOM) ----------
  const COLUMNS = [
    { key: "method", title: "Type" },
    { key: "name", title: "Name", cls: "name" },
    { key: "num_requests", title: "# Requests", num: true, fmt: (v) => fmtNumber(v, 0) },
    { key: "num_failures", title: "# Fails", num: true, fmt: (v) => fmtNumber(v, 0) },
    { key: "median_response_time", title: "Median (ms)", num: true, fmt: fmtMs },
    { key: "response_time_percentile_0.95", title: "95%ile (ms)", num: true, fmt: fmtMs },
    { key: "response_time_percentile_0.99", title: "99%ile (ms)", num: true, fmt: fmtMs },
    { key: "avg_response_time", title: "Average (ms)", num: true, fmt: fmtMs },
    { key: "min_response_time", title: "Min (ms)", num: true, fmt: fmtMs },
    { key: "max_response_time", title: "Max (ms)", num: true, fmt: fmtMs },
    { key: "avg_content_length", title: "Average size (bytes)", num: true, fmt: (v) => fmtNumber(v, 0) },
    { key: "current_rps", title: "Current RPS", num: true, fmt: (v) => fmtFixed(v, 1) },
    { key: "current_fail_per_sec", title: "Current failures/s", num: true, fmt: (v) => fmtFixed(v, 1) },
  ];
  let sortKey = "name";
  let sortAsc = true;
  let filterText = "";
  let rows = [];
  let aggregated = null;
  let viewRows = [];

  // Hidden columns, remembered by the browser.
  let hiddenColumns = [];
  try { hiddenColumns = JSON.parse(localStorage.getItem("locusta-hidden-columns") || "[]"); } catch (e) { hiddenColumns = []; }
  const shownColumns = () => COLUMNS.filter((c) => c.key === "name" || hiddenColumns.indexOf(c.key) < 0);
  function renderHead() {
    $("stats-head").innerHTML = shownColumns().map((c) =>
      '<th data-key="' + c.key + '" class="' + (c.num ? "num" : "") + '">' + escapeHtml(c.title) + "</th>").join("");
  }
  $("columns-list").innerHTML = COLUMNS.filter((c) => c.key !== "name").map((c) =>
    '<label class="check"><input type="checkbox" data-column="' + c.key + '"' +
    (hiddenColumns.indexOf(c.key) < 0 ? " checked" : "") + "><span>" + escapeHtml(c.title) + "</span></label>").join("");
  $("columns-list").addEventListener("change", (event) => {
    const key = event.target.dataset.column;
    if (!key) return;
    hiddenColumns = hiddenColumns.filter((k) => k !== key);
    if (!event.target.checked) hiddenColumns.push(key);
    try { localStorage.setItem("locusta-hidden-columns", JSON.stringify(hiddenColumns)); } catch (e) { /* private mode */ }
    renderHead();
    rebuildView();
  });
  renderHead();
  $("stats-head").addEventListener("click", (event) => {
    const th = event.target.closest("th");
    if (!th) return;
    const key = th.dataset.key;
    if (sortKey === key) sortAsc = !sortAsc;
    else { sortKey = key; sortAsc = !COLUMNS.find((c) => c.key === key).num; }
    rebuildView();
  });
  $("stats-filter").addEventListener("input", (event) => {
    filterText = event.target.value.trim().toLowerCase();
    rebuildView();
  });
  $("stats-scroll").addEventListener("scroll", () => renderStats());
  $("stats-table").addEventListener("click", (event) => {
    const link = event.target.closest(".chart-link");
    if (!link) return;
    openEndpointChart(link.dataset.method, link.dataset.name);
    document.querySelector(".tab[data-tab='charts']").click();
  });
  window.addEventListener("resize", () => renderStats());

  function rebuildView() {
    let list = rows;
    if (filterText) {
      list = list.filter((r) => (r.name + " " + r.method).toLowerCase().indexOf(filterText) >= 0);
    } else {
      list = list.slice();
    }
    const column = COLUMNS.find((c) => c.key === sortKey);
    const direction = sortAsc ? 1 : -1;
    list.sort((a, b) => {
      const x = a[sortKey], y = b[sortKey];
      if (column && column.num) return (x - y) * direction || (a.name < b.name ? -1 : 1);
      return String(x).localeCompare(String(y)) * direction;
    });
    viewRows = list;
    document.querySelectorAll("#stats-head th").forEach((th) => {
      th.classList.toggle("sorted-asc", th.dataset.key === sortKey && sortAsc);
      th.classList.toggle("sorted-desc", th.dataset.key === sortKey && !sortAsc);
    });
    $("stats-count").textContent = filterText
      ? viewRows.length.toLocaleString() + " of " + rows.length.toLocaleString() + " names"
      : rows.length.toLocaleString() + " names";
    renderStats();
  }

  const CHART_ICON = '<svg viewBox="0 0 16 16" aria-hidden="true"><path d="M2 13h12M3 10l3-3 3 2 4-5" fill="none" stroke="currentColor" stroke-width="1.6" stroke-linecap="round" stroke-linejoin="round"/></svg>';

  function rowHtml(row, pinned) {
    return "<tr>" + shownColumns().map((c) => {
      let value = row[c.key];
      const classes = [];
      if (c.num) classes.push("num");
      if (c.cls) classes.push(c.cls);
      if (c.key === "num_failures" && value > 0) classes.push("fail");
      const text = c.fmt ? c.fmt(value) : (pinned && c.key === "method" ? "" : value);
      if (c.key === "name") {
        return "<td class=\"" + classes.join(" ") + "\" title=\"" + escapeHtml(value) + "\">" +
          "<button class=\"chart-link\" data-method=\"" + escapeHtml(row.method) + "\" data-name=\"" + escapeHtml(value) +
          "\" title=\"Chart this request\" aria-label=\"Chart this request\">" + CHART_ICON + "</button>" + escapeHtml(text) + "</td>";
      }
      return "<td class=\"" + classes.join(" ") + "\">" + escapeHtml(text) + "</td>";
    }).join("") + "</tr>";
  }

  function renderStats() {
    if (activeTab !== "stats" || $("dashboard").hidden) return;
    const scroll = $("stats-scroll");
    const visible = Math.ceil(scroll.clientHeight / ROW_HEIGHT) + 10;
    const first = Math.max(0, Math.floor(scroll.scrollTop / ROW_HEIGHT) - 5);
    const last = Math.min(viewRows.length, first + visible);
    let html = "";
    if (first > 0) html += '<tr class="spacer" style="height:' + first * ROW_HEIGHT + 'px"></tr>';
    for (let i = first; i < last; i++) html += rowHtml(viewRows[i], false);
    if (last < viewRows.length) {
      html += '<tr class="spacer" style="height:' + (viewRows.length - last) * ROW_HEIGHT + 'px"></tr>';
    }
    $("stats-body").innerHTML = html;
    $("stats-foot").innerHTML = aggregated ? rowHtml(aggregated, true) : "";
  }

  // ---------- failures, exceptions, badges ----------
  let failureCount = 0, seenFailures = 0, exceptionCount = 0, seenExceptions = 0;

  function updateBadges() {
    const fb = $("failures-badge"), eb = $("exceptions-badge");
    fb.textContent = failureCount;
    fb.hidden = failureCount === 0 || (activeTab === "failures") || failureCount === seenFailures;
    eb.textContent = exceptionCount;
    eb.hidden = exceptionCount === 0 || (activeTab === "exceptions") || exceptionCount === seenExceptions;
  }

  function renderFailures(errors) {
    failureCount = errors.length;
    if (activeTab === "failures") seenFailures = failureCount;
    const body = document.querySelector("#failures-table tbody");
    body.innerHTML = errors
      .slice()
      .sort((a, b) => b.occurrences - a.occurrences)
      .map((e) => "<tr><td class=\"num fail\">" + fmtNumber(e.occurrences, 0) + "</td><td>" + escapeHtml(e.method) +
        "</td><td>" + escapeHtml(e.name) + "</td><td class=\"wrap\">" + escapeHtml(e.error) + "</td><td>" +
        escapeHtml(fmtDateTime(e.first_seen)) + "</td><td>" + escapeHtml(fmtDateTime(e.last_seen)) + "</td></tr>")
      .join("");
    $("failures-empty").hidden = errors.length > 0;
    updateBadges();
  }

  async function refreshExceptions() {
    try {
      const data = await getJson("/exceptions");
      exceptionCount = data.exceptions.length;
      if (activeTab === "exceptions") seenExceptions = exceptionCount;
      document.querySelector("#exceptions-table tbody").innerHTML = data.exceptions
        .map((e) => "<tr><td class=\"num\">" + fmtNumber(e.count, 0) + "</td><td class=\"wrap\">" + escapeHtml(e.msg) +
          "</td><td><pre>" + escapeHtml(e.traceback) + "</pre></td><td>" + escapeHtml(e.nodes) + "</td></tr>")
        .join("");
      $("exceptions-empty").hidden = data.exceptions.length > 0;
      updateBadges();
    } catch (e) { /* next poll */ }
  }

  // ---------- workers (distributed mode) ----------
  function fmtBytes(bytes) {
    const units = ["B", "KiB", "MiB", "GiB", "TiB"];
    let value = bytes || 0;
    let unit = 0;
    while (value >= 1024 && unit < units.length - 1) { value /= 1024; unit += 1; }
    return fmtNumber(value, unit === 0 ? 0 : 1) + " " + units[unit];
  }
  function renderWorkers(data) {
    if (!data.workers) return;
    $("header-workers").textContent = fmtNumber(data.worker_count || 0, 0);
    document.querySelector("#workers-table tbody").innerHTML = data.workers
      .map((w) => "<tr><td>" + escapeHtml(w.id) + "</td><td><span class=\"state\">" + escapeHtml(w.state) +
        "</span></td><td class=\"num\">" + fmtNumber(w.user_count, 0) + "</td><td class=\"num\">" +
        fmtNumber(w.cpu_usage, 1) + "%</td><td class=\"num\">" + escapeHtml(fmtBytes(w.memory_usage)) + "</td></tr>")
      .join("");
    $("workers-empty").hidden = data.workers.length > 0;
  }

  // ---------- current ratio ----------
  function ratioTree(tasks) {
    const names = Object.keys(tasks || {});
    if (!names.length) return "";
    return "<ul>" + names.map((name) => {
      const node = tasks[name];
      const pct = (node.ratio * 100);
      return "<li><div class=\"line\"><span class=\"pct\">" + pct.toFixed(1) + "%</span><span class=\"bar\"><i style=\"width:" +
        Math.min(100, pct).toFixed(1) + "%\"></i></span><span>" + escapeHtml(name) + "</span></div>" +
        ratioTree(node.tasks) + "</li>";
    }).join("") + "</ul>";
  }
  function renderRatio(data) {
    $("ratio-per-class").className = "ratio";
    $("ratio-total").className = "ratio";
    $("ratio-per-class").innerHTML = ratioTree(data.per_class);
    $("ratio-total").innerHTML = ratioTree(data.total);
  }

  // ---------- downloads ----------
  function renderDownloads() {
    const theme = currentTheme();
    const items = [
      ["Request statistics (CSV)", "/stats/requests/csv"],
    ];
    if (args.stats_history_enabled) items.push(["Full request history (CSV)", "/stats/requests_full_history/csv"]);
    items.push(["Failures (CSV)", "/stats/failures/csv"]);
    items.push(["Exceptions (CSV)", "/exceptions/csv"]);
    // A locustfile's downloads: paths of this UI, or http(s) addresses.
    (Array.isArray(args.extended_csv_files) ? args.extended_csv_files : []).forEach((file) => {
      const href = String((file && file.href) || "");
      if (href.startsWith("/") || /^https?:\/\//i.test(href)) items.push([String(file.title || href), href]);
    });
    $("downloads").innerHTML = items.map(([title, path]) =>
      "<li><span>" + escapeHtml(title) + "</span><a href=\"" + escapeHtml(path.startsWith("/") ? url(path) : path) +
      "\" download>Download</a></li>").join("") +
      "<li><span>Report (HTML)</span><span><a href=\"" + escapeHtml(url("/stats/report?theme=" + theme)) +
      "\" target=\"_blank\" rel=\"noopener\">Open</a> &nbsp; <a id=\"report-download\" href=\"" +
      escapeHtml(url("/stats/report?download=1&theme=" + theme)) + "\" download>Download</a></span></li>";
  }

  // ---------- logs ----------
  async function refreshLogs() {
    try {
      const data = await getJson("/logs");
      const pre = $("logs");
      const atBottom = pre.scrollTop + pre.clientHeight >= pre.scrollHeight - 8;
      // The master's lines, then each worker's (distributed mode), as Locust shows them.
      const sections = [data.master.join("\n") || "No log lines yet."];
      for (const [worker, lines] of Object.entries(data.workers || {})) {
        sections.push("── worker " + worker + " ──\n" + (lines.join("\n") || "No log lines yet."));
      }
      pre.textContent = sections.join("\n\n");
      if (atBottom) pre.scrollTop = pre.scrollHeight;
    } catch (e) { /* next poll */ }
  }

  // ---------- charts ----------
  function cssVar(name) {
    return getComputedStyle(document.documentElement).getPropertyValue(name).trim();
  }

  class LineChart {
    constructor(canvas, series, unit, source) {
      this.canvas = canvas;
      this.series = series; // [{label, color (css var), index into the point}]
      this.unit = unit || "";
      this.source = source || (() => history); // rows whose first value is the time
      this.hover = null;
      canvas.addEventListener("mousemove", (event) => {
        const rect = canvas.getBoundingClientRect();
        this.hover = event.clientX - rect.left;
        this.draw();
      });
      canvas.addEventListener("mouseleave", () => { this.hover = null; this.draw(); });
      // A click on a legend entry hides or shows its line.
      this.legend = [];
      canvas.addEventListener("click", (event) => {
        const rect = canvas.getBoundingClientRect();
        const x = event.clientX - rect.left, y = event.clientY - rect.top;
        const hit = this.legend.find((l) => x >= l.x0 && x <= l.x1 && y <= 22);
        if (!hit) return;
        hit.series.hidden = !hit.series.hidden;
        this.draw();
      });
    }

    draw() {
      const canvas = this.canvas;
      const width = canvas.clientWidth, height = canvas.clientHeight;
      if (!width || !height) return;
      const ratio = window.devicePixelRatio || 1;
      if (canvas.width !== Math.round(width * ratio) || canvas.height !== Math.round(height * ratio)) {
        canvas.width = Math.round(width * ratio);
        canvas.height = Math.round(height * ratio);
      }
      const ctx = canvas.getContext("2d");
      ctx.setTransform(ratio, 0, 0, ratio, 0, 0);
      ctx.clearRect(0, 0, width, height);
      ctx.textAlign = "left";
      ctx.setLineDash([]);
      const text = cssVar("--muted"), grid = cssVar("--chart-grid");
      ctx.font = "12px system-ui, sans-serif";
      const pad = { left: 56, right: 16, top: 28, bottom: 26 };
      const plotW = width - pad.left - pad.right, plotH = height - pad.top - pad.bottom;
      const points = this.source();
      canvas.dataset.points = points.length;
      canvas.dataset.series = this.series.map((s) => s.label).join(",");

      // Legend (a hidden line's entry is faded).
      let lx = pad.left;
      this.legend = [];
      this.series.forEach((s) => {
        ctx.globalAlpha = s.hidden ? 0.35 : 1;
        ctx.fillStyle = cssVar(s.color);
        ctx.fillRect(lx, 9, 12, 3);
        ctx.fillStyle = text;
        ctx.fillText(s.label, lx + 16, 15);
        const x1 = lx + 16 + ctx.measureText(s.label).width;
        this.legend.push({ x0: lx, x1, series: s });
        lx = x1 + 20;
      });
      ctx.globalAlpha = 1;
      const visible = this.series.filter((s) => !s.hidden);
      canvas.dataset.hidden = this.series.filter((s) => s.hidden).map((s) => s.label).join(",");

      if (points.length === 0) {
        ctx.fillStyle = text;
        ctx.textAlign = "center";
        ctx.fillText("Waiting for data…", pad.left + plotW / 2, pad.top + plotH / 2);
        ctx.textAlign = "left";
        return;
      }
      const t0 = points[0][0];
      const t1 = Math.max(points[points.length - 1][0], t0 + 1);
      let max = 0;
      points.forEach((p) => visible.forEach((s) => { if (p[s.index] > max) max = p[s.index]; }));
      const step = niceStep(max / 4 || 1);
      const top = Math.max(step, Math.ceil(max / step) * step);
      const x = (t) => pad.left + (t - t0) / (t1 - t0) * plotW;
      const y = (v) => pad.top + plotH - (v / top) * plotH;

      // Grid and axes.
      ctx.strokeStyle = grid;
      ctx.lineWidth = 1;
      ctx.fillStyle = text;
      ctx.textAlign = "right";
      for (let v = 0; v <= top + step / 2; v += step) {
        const yy = Math.round(y(v)) + 0.5;
        ctx.beginPath(); ctx.moveTo(pad.left, yy); ctx.lineTo(pad.left + plotW, yy); ctx.stroke();
        ctx.fillText(fmtNumber(v, step < 1 ? 2 : 0), pad.left - 8, yy + 4);
      }
      ctx.textAlign = "center";
      // The first label is left-aligned and the last right-aligned, so two
      // neighbours need 1.5 label widths between their anchors not to overlap.
      const labelW = ctx.measureText(fmtTime(t1)).width;
      const ticks = Math.max(1, Math.min(Math.floor(plotW / (1.5 * labelW + 12)), Math.floor(t1 - t0)));
      const extents = [];
      for (let i = 0; i <= ticks; i++) {
        const t = t0 + (t1 - t0) * i / ticks;
        const label = fmtTime(t);
        const w = ctx.measureText(label).width;
        const left = i === 0 ? x(t) : i === ticks ? x(t) - w : x(t) - w / 2;
        ctx.textAlign = "left";
        ctx.fillText(label, left, height - 8);
        extents.push([Math.round(left), Math.round(left + w)]);
      }
      canvas.dataset.timeLabels = JSON.stringify(extents);

      // Run start markers.
      ctx.strokeStyle = cssVar("--chart-marker");
      ctx.setLineDash([4, 4]);
      runStarts.forEach((start) => {
        if (start < t0 || start > t1) return;
        const xx = Math.round(x(start)) + 0.5;
        ctx.beginPath(); ctx.moveTo(xx, pad.top); ctx.lineTo(xx, pad.top + plotH); ctx.stroke();
      });
      ctx.setLineDash([]);

      // Lines, at most about one point per pixel (the largest value of each
      // pixel column, so that spikes stay visible).
      const stride = Math.max(1, Math.floor(points.length / plotW));
      visible.forEach((s) => {
        ctx.strokeStyle = cssVar(s.color);
        ctx.lineWidth = 2;
        ctx.lineJoin = "round";
        ctx.beginPath();
        let started = false;
        for (let i = 0; i < points.length; i += stride) {
          let value = points[i][s.index], time = points[i][0];
          for (let j = i + 1; j < Math.min(points.length, i + stride); j++) {
            if (points[j][s.index] > value) value = points[j][s.index];
          }
          const gap = i > 0 && time - points[i - stride < 0 ? 0 : i - stride][0] > 5 * stride;
          if (!started || gap) { ctx.moveTo(x(time), y(value)); started = true; } else { ctx.lineTo(x(time), y(value)); }
        }
        ctx.stroke();
      });

      // Hover: values of the nearest point.
      if (this.hover !== null && this.hover >= pad.left && this.hover <= pad.left + plotW) {
        const t = t0 + (this.hover - pad.left) / plotW * (t1 - t0);
        let best = points[0];
        for (const p of points) if (Math.abs(p[0] - t) < Math.abs(best[0] - t)) best = p;
        const xx = x(best[0]);
        ctx.strokeStyle = cssVar("--chart-marker");
        ctx.beginPath(); ctx.moveTo(xx, pad.top); ctx.lineTo(xx, pad.top + plotH); ctx.stroke();
        const lines = [fmtTime(best[0])].concat(visible.map((s) => s.label + ": " + fmtNumber(best[s.index], 2) + this.unit));
        const boxW = Math.max(...lines.map((l) => ctx.measureText(l).width)) + 16;
        const boxH = lines.length * 16 + 8;
        const bx = Math.min(xx + 10, width - boxW - 4);
        ctx.fillStyle = cssVar("--surface");
        ctx.strokeStyle = cssVar("--border");
        ctx.fillRect(bx, pad.top, boxW, boxH);
        ctx.strokeRect(bx + 0.5, pad.top + 0.5, boxW, boxH);
        ctx.textAlign = "left";
        lines.forEach((line, i) => {
          ctx.fillStyle = i === 0 ? cssVar("--muted") : cssVar(visible[i - 1].color);
          ctx.fillText(line, bx + 8, pad.top + 18 + i * 16);
        });
      }
    }
  }

  function niceStep(raw) {
    const power = Math.pow(10, Math.floor(Math.log10(raw)));
    const unit = raw / power;
    const nice = unit <= 1 ? 1 : unit <= 2 ? 2 : unit <= 5 ? 5 : 10;
    return nice * power;
  }

  // History rows: [time, users, rps, failures/s, then one value per
  // recorded percentile].
  let history = (args.history || []).slice();
  let runStarts = (args.run_starts || []).slice();
  const recorded = args.percentiles_recorded || [0.5, 0.95];
  const percentileColors = ["--chart-3", "--chart-6", "--chart-1", "--chart-4", "--chart-5", "--chart-2"];
  function percentileLabel(q) {
    return String(Math.round(q * 1000) / 10) + "th";
  }
  // The percentiles the response-time chart shows: the user's choice (kept by
  // the browser), at first Locust's PERCENTILES_TO_CHART.
  function chosenPercentiles() {
    let chosen = null;
    try { chosen = JSON.parse(localStorage.getItem("locusta-chart-percentiles") || "null"); } catch (e) { /* unreadable */ }
    if (!Array.isArray(chosen)) chosen = args.percentiles_to_chart || [0.5, 0.95];
    return recorded.filter((q) => chosen.includes(q));
  }
  function percentileSeries() {
    const chosen = chosenPercentiles();
    return recorded.map((q, i) => ({ q, label: percentileLabel(q) + " percentile",
      color: percentileColors[i % percentileColors.length], index: 4 + i }))
      .filter((s) => chosen.includes(s.q));
  }
  const charts = [
    new LineChart($("chart-rps"), [
      { label: "RPS", color: "--chart-1", index: 2 },
      { label: "Failures/s", color: "--chart-2", index: 3 },
    ]),
    new LineChart($("chart-times"), percentileSeries(), " ms"),
    new LineChart($("chart-users"), [
      { label: "Users", color: "--chart-1", index: 1 },
    ]),
  ];
  $("percentile-choice").innerHTML = recorded.map((q) =>
    '<label class="chip"><input type="checkbox" class="percentile-box" value="' + q + '"' +
    (chosenPercentiles().includes(q) ? " checked" : "") + "><span>" + percentileLabel(q) + "</span></label>").join("");
  document.querySelectorAll(".percentile-box").forEach((box) => box.addEventListener("change", () => {
    const chosen = Array.from(document.querySelectorAll(".percentile-box:checked")).map((b) => Number(b.value));
    try { localStorage.setItem("locusta-chart-percentiles", JSON.stringify(chosen)); } catch (e) { /* private mode */ }
    charts[1].series = percentileSeries();
    charts[1].draw();
  }));
  function allCharts() {
    let list = charts.slice();
    endpointCharts.forEach((entry) => { list = list.concat(entry.charts); });
    return list;
  }
  window.addEventListener("resize", () => { if (activeTab === "charts") allCharts().forEach((c) => c.draw()); });

  // ---------- charts per endpoint (recorded by the server once asked for) ----------
  const endpointCharts = new Map(); // key "METHOD name" -> {method, name, points, charts, card}
  function savedEndpoints() {
    try { return JSON.parse(localStorage.getItem("locusta-endpoint-charts") || "[]"); } catch (e) { return []; }
  }
  function saveEndpoints() {
    const list = Array.from(endpointCharts.values()).map((e) => [e.method, e.name]);
    try { localStorage.setItem("locusta-endpoint-charts", JSON.stringify(list)); } catch (e) { /* private mode */ }
  }
  function openEndpointChart(method, name) {
    const key = method + " " + name;
    if (endpointCharts.has(key)) {
      endpointCharts.get(key).card.scrollIntoView({ block: "nearest" });
      return;
    }
    const card = document.createElement("div");
    card.className = "card chart-card endpoint-chart";
    card.dataset.key = key;
    card.innerHTML = '<div class="chart-head"><h2></h2><button class="icon-btn close" title="Close this chart" aria-label="Close">×</button></div>' +
      '<div class="pair"><canvas class="endpoint-rps"></canvas><canvas class="endpoint-times"></canvas></div>';
    card.querySelector("h2").textContent = method ? key : name;
    $("endpoint-charts").appendChild(card);
    const entry = { method, name, points: [], card, charts: [] };
    const source = () => entry.points;
    entry.charts = [
      new LineChart(card.querySelector(".endpoint-rps"), [
        { label: "RPS", color: "--chart-1", index: 1 },
        { label: "Failures/s", color: "--chart-2", index: 2 },
      ], "", source),
      new LineChart(card.querySelector(".endpoint-times"), [
        { label: "50th", color: "--chart-3", index: 3 },
        { label: "95th", color: "--chart-4", index: 4 },
        { label: "99th", color: "--chart-2", index: 5 },
      ], " ms", source),
    ];
    card.querySelector(".close").addEventListener("click", () => {
      endpointCharts.delete(key);
      card.remove();
      saveEndpoints();
    });
    endpointCharts.set(key, entry);
    saveEndpoints();
    refreshEndpoint(entry);
  }
  async function refreshEndpoint(entry) {
    const since = entry.points.length ? entry.points[entry.points.length - 1][0] : 0;
    try {
      const data = await getJson("/stats/endpoint?method=" + encodeURIComponent(entry.method) +
        "&name=" + encodeURIComponent(entry.name) + "&since=" + since);
      entry.points = entry.points.concat(data.points);
      if (activeTab === "charts") entry.charts.forEach((chart) => chart.draw());
    } catch (e) { /* not there (yet): the next poll asks again */ }
  }

  async function refreshHistory(all) {
    const since = !all && history.length ? history[history.length - 1][0] : 0;
    try {
      const data = await getJson("/stats/history?since=" + since);
      history = all ? data.points : history.concat(data.points);
      runStarts = data.run_starts;
      if (activeTab === "charts") charts.forEach((chart) => chart.draw());
    } catch (e) { /* next poll */ }
    endpointCharts.forEach((entry) => refreshEndpoint(entry));
  }

  // ---------- polling ----------
  let polling = null;
  async function poll() {
    try {
      const data = await getJson("/stats/requests");
      lastStats = data;
      if (data.state !== state) {
        if (data.state === "ready") showForm = true;
        else if (state === "ready") showForm = false;
        applyState(data.state);
      }
      $("header-users").textContent = fmtNumber(data.user_count, 0);
      $("header-rps").textContent = fmtNumber(data.current_rps, 1);
      $("header-fail").textContent = fmtNumber(data.fail_ratio * 100, 1) + "%";
      aggregated = data.stats.length ? data.stats[data.stats.length - 1] : null;
      rows = data.stats.slice(0, -1);
      rebuildView();
      renderFailures(data.errors);
      renderWorkers(data);
      renderExtendedStats(data.extended_stats);
      $("offline").hidden = true;
    } catch (e) {
      // The process may have ended or be restarting: say so, keep polling.
      $("offline").hidden = false;
    }
    await refreshHistory(false);
  }

  // The tab bar sticks under the header, whatever its height.
  function measureTopbar() {
    const bar = document.querySelector(".topbar");
    document.documentElement.style.setProperty("--topbar-height", bar.offsetHeight + "px");
  }
  window.addEventListener("resize", measureTopbar);

  function start() {
    measureTopbar();
    $("version").textContent = "locusta " + (args.version || "") + (args.locustfile ? " · " + args.locustfile : "");
    $("header-host").textContent = args.host || "–";
    $("header-users").textContent = fmtNumber(args.user_count || 0, 0);
    if (args.is_distributed) {
      $("header-workers-box").hidden = false;
      $("workers-tab").hidden = false;
      $("header-workers").textContent = fmtNumber(args.worker_count || 0, 0);
    }
    fillStartForm();
    applyState(state);
    renderRatio(args.tasks || { per_class: {}, total: {} });
    renderDownloads();
    savedEndpoints().forEach(([method, name]) => openEndpointChart(method, name));
    poll();
    refreshExceptions();
    polling = setInterval(poll, POLL_MS);
    setInterval(() => {
      refreshExceptions();
      if (activeTab === "ratio") getJson("/tasks").then(renderRatio).catch(() => {});
      if (activeTab === "logs") refreshLogs();
    }, SLOW_POLL_MS);
    return polling;
  }

  start();
})();
