// Layout switch, copy-as-LaTeX and the browse filter. Material's instant navigation swaps
// pages without reloading, so everything is (re)attached on each page through document$.
(function () {
  "use strict";
  var KEY = "kb-layout";

  function applyLayout(value) {
    document.body.setAttribute("data-kb-layout", value || "both");
    document.querySelectorAll(".kb-layout-button").forEach(function (button) {
      button.setAttribute("aria-pressed", String(button.dataset.kbLayout === (value || "both")));
    });
  }

  function copy(button) {
    var done = function () {
      button.textContent = "Copied";
      setTimeout(function () { button.textContent = "Copy LaTeX"; }, 1500);
    };
    navigator.clipboard.writeText(button.dataset.latex).then(done, function () {
      button.textContent = "Copy failed";
    });
  }

  function values(item, key) {
    var value = item[key];
    return Array.isArray(value) ? value : [value];
  }

  function setupBrowse() {
    var list = document.querySelector(".kb-browse-list");
    if (!list) { return; }
    var selects = document.querySelectorAll("[data-kb-filter]");
    var count = document.querySelector(".kb-browse-count");
    fetch(new URL("../browse.json", window.location.href)).then(function (response) {
      return response.json();
    }).then(function (index) {
      var byId = {};
      index.forEach(function (item) { byId[item.id] = item; });
      selects.forEach(function (select) {
        var key = select.dataset.kbFilter;
        var seen = {};
        index.forEach(function (item) {
          values(item, key).forEach(function (v) { seen[v] = true; });
        });
        Object.keys(seen).sort().forEach(function (v) {
          var option = document.createElement("option");
          option.value = v;
          option.textContent = v;
          select.appendChild(option);
        });
      });
      var update = function () {
        var shown = 0;
        list.querySelectorAll(".kb-browse-item").forEach(function (li) {
          var item = byId[li.dataset.id];
          var ok = Array.prototype.every.call(selects, function (select) {
            return !select.value || values(item, select.dataset.kbFilter).indexOf(select.value) >= 0;
          });
          li.hidden = !ok;
          if (ok) { shown += 1; }
        });
        count.textContent = shown + " of " + index.length + " identities";
      };
      selects.forEach(function (select) { select.addEventListener("change", update); });
      update();
      list.setAttribute("data-kb-ready", "true");
    });
  }

  function setup() {
    applyLayout(localStorage.getItem(KEY));
    document.querySelectorAll(".kb-layout-button").forEach(function (button) {
      button.addEventListener("click", function () {
        localStorage.setItem(KEY, button.dataset.kbLayout);
        applyLayout(button.dataset.kbLayout);
      });
    });
    document.querySelectorAll(".kb-copy").forEach(function (button) {
      button.addEventListener("click", function () { copy(button); });
    });
    setupBrowse();
  }

  if (typeof document$ !== "undefined") {
    document$.subscribe(setup);
  } else {
    document.addEventListener("DOMContentLoaded", setup);
  }
})();
