// searchapp: progressive enhancement only; every feature works without this file.
"use strict";
document.addEventListener("keydown", (event) => {
  // "/" focuses the search box, as on most search sites.
  const box = document.getElementById("q");
  if (event.key === "/" && box && document.activeElement !== box) {
    event.preventDefault();
    box.focus();
    box.select();
  }
});
