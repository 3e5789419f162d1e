// The printable report's one button: open the browser's print dialog (print or save as PDF).
(function () {
  "use strict";
  const button = document.getElementById("print-now");
  if (button) button.addEventListener("click", function () { window.print(); });
})();
