// The report's "In báo cáo" button: the print stylesheet leaves only the grid.
(function () {
  "use strict";
  var button = document.getElementById("rl-print");
  if (button) button.addEventListener("click", function () { window.print(); });
})();
