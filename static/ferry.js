// After htmx swaps in a new wizard step, move the focus to its heading, so keyboard and screen
// reader users start at the top of the new step instead of on a button that no longer exists.
document.addEventListener("htmx:afterSwap", (event) => {
  if (event.detail.target.id !== "main") return;
  const heading = event.detail.target.querySelector("h1");
  if (heading) heading.focus();
});
