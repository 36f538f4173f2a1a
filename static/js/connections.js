// Connections pages: small enhancements only; everything works without JavaScript.
document.addEventListener("DOMContentLoaded", () => {
  // Filter bars submit when a select changes.
  document.querySelectorAll("form[data-autosubmit] select").forEach((select) => {
    select.addEventListener("change", () => select.form.submit());
  });
  // Forms with data-confirm ask first (e.g. withdrawing a request).
  document.querySelectorAll("form[data-confirm]").forEach((form) => {
    form.addEventListener("submit", (event) => {
      if (!window.confirm(form.dataset.confirm)) {
        event.preventDefault();
      }
    });
  });
  // The message box grows with its text.
  document.querySelectorAll(".message-form textarea").forEach((area) => {
    area.addEventListener("input", () => {
      area.style.height = "auto";
      area.style.height = `${area.scrollHeight}px`;
    });
  });
});
