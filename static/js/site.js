// Small progressive enhancements; every page works without JavaScript.
document.addEventListener("DOMContentLoaded", () => {
  const toggle = document.querySelector("[data-nav-toggle]");
  if (toggle) {
    toggle.addEventListener("click", () => {
      const menu = document.getElementById(toggle.getAttribute("aria-controls"));
      const open = menu.classList.toggle("open");
      toggle.setAttribute("aria-expanded", open ? "true" : "false");
    });
  }
});

// The navigation's drop-down menus (<details>): one open at a time; a click elsewhere or
// Escape closes them.
document.addEventListener("click", (event) => {
  document.querySelectorAll(".nav-dropdown[open]").forEach((menu) => {
    if (!menu.contains(event.target)) menu.removeAttribute("open");
  });
});
document.addEventListener("keydown", (event) => {
  if (event.key !== "Escape") return;
  document.querySelectorAll(".nav-dropdown[open]").forEach((menu) => {
    menu.removeAttribute("open");
    const summary = menu.querySelector("summary");
    if (summary && menu.contains(document.activeElement)) summary.focus();
  });
});
