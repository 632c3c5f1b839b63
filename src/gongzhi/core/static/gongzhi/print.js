// A "print" link on a printable page: <a href="#" data-print>. No javascript: URL (the CSP allows no inline script).
document.addEventListener("click", function (event) {
  var link = event.target.closest && event.target.closest("[data-print]");
  if (!link) return;
  event.preventDefault();
  window.print();
});
