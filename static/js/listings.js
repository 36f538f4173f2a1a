// Listings: submit the filter form when a choice changes (the Apply button stays for no-JS),
// and keep the compare selection to at most four offerings.
document.addEventListener("DOMContentLoaded", () => {
  document.querySelectorAll("form[data-autosubmit]").forEach((form) => {
    form.addEventListener("change", (event) => {
      const target = event.target;
      if (target.matches("input[type=checkbox], select")) {
        form.requestSubmit ? form.requestSubmit() : form.submit();
      }
    });
  });

  const picks = Array.from(document.querySelectorAll("input[form=compare-form][name=ids]"));
  const limit = 4;
  const refresh = () => {
    const chosen = picks.filter((box) => box.checked).length;
    picks.forEach((box) => { box.disabled = !box.checked && chosen >= limit; });
  };
  picks.forEach((box) => box.addEventListener("change", refresh));
  refresh();
});
