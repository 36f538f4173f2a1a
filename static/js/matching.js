// Matching: live sector / application-type suggestions on the need form.
// Reads the title and description as the poster types (debounced), asks the
// suggest-categories endpoint, and shows clickable chips that tick the checkboxes.
document.addEventListener("DOMContentLoaded", () => {
  const box = document.getElementById("category-suggestions");
  const form = box ? box.closest("form") || document.getElementById("need-form") : null;
  if (!box || !form) return;
  const url = box.dataset.url;
  const sources = ["title", "description"]
    .map((name) => form.querySelector(`[name="${name}"]`))
    .filter(Boolean);
  const target = document.getElementById("need-suggestions");
  if (target && box.parentElement !== target) target.appendChild(box);
  // Show the chips right above the checkboxes they tick (after the description they read).
  const checkboxes = form.querySelector('.field[data-field="sectors"]');
  if (target && checkboxes) checkboxes.before(target);
  if (target) target.hidden = false;
  const token = form.querySelector("input[name=csrfmiddlewaretoken]");
  let timer = null;
  let lastText = "";
  let controller = null;

  // The checkboxes' values are the terms' ids; the endpoint gives both id and code.
  const checkbox = (field, item) =>
    form.querySelector(`input[type=checkbox][name="${field}"][value="${item.id}"]`);

  const render = (data) => {
    box.textContent = "";
    let shown = 0;
    const groups = [
      ["sectors", box.dataset.labelSectors],
      ["app_types", box.dataset.labelAppTypes],
    ];
    groups.forEach(([field, label]) => {
      const items = data[field] || [];
      if (!items.length) return;
      const line = document.createElement("p");
      const title = document.createElement("span");
      title.className = "muted";
      title.textContent = label + " ";
      line.appendChild(title);
      items.forEach((item) => {
        const input = checkbox(field, item);
        const chip = document.createElement("button");
        chip.type = "button";
        chip.className = "button button-secondary button-small category-chip";
        chip.dataset.field = field;
        chip.dataset.code = item.code;
        chip.textContent = `${item.name} ${Math.round(item.probability * 100)}%`;
        chip.setAttribute("aria-pressed", input && input.checked ? "true" : "false");
        chip.addEventListener("click", () => {
          if (!input) return;
          input.checked = !input.checked;
          input.dispatchEvent(new Event("change", { bubbles: true }));
          chip.setAttribute("aria-pressed", input.checked ? "true" : "false");
        });
        line.appendChild(chip);
        shown += 1;
      });
      box.appendChild(line);
    });
    if (shown) {
      const hint = document.createElement("p");
      hint.className = "help";
      hint.textContent = box.dataset.hint;
      box.appendChild(hint);
    }
    box.hidden = shown === 0;
  };

  const ask = () => {
    const text = sources.map((el) => el.value).join("\n").trim();
    if (text === lastText) return;
    lastText = text;
    if (text.length < 4) { box.hidden = true; return; }
    if (controller) controller.abort();
    controller = new AbortController();
    const body = new URLSearchParams({ text: text.slice(0, 2000) });
    fetch(url, {
      method: "POST",
      body,
      signal: controller.signal,
      headers: token ? { "X-CSRFToken": token.value } : {},
      credentials: "same-origin",
    })
      .then((response) => (response.ok ? response.json() : null))
      .then((data) => { if (data) render(data); })
      .catch(() => {});
  };

  sources.forEach((el) => el.addEventListener("input", () => {
    clearTimeout(timer);
    timer = setTimeout(ask, 400);
  }));
  if (sources.some((el) => el.value.trim())) ask();
});
