// Layout switch, copy buttons, formulas that fit their column, formula-aware search and the
// browse page. Material's instant navigation swaps pages without reloading, so everything
// is (re)attached on each page through document$.
(function () {
  "use strict";
  var KEY = "kb-layout";

  // ---- layout switch: one layout at a time, denominator by default ----------------------
  function currentLayout() {
    return localStorage.getItem(KEY) === "numerator" ? "numerator" : "denominator";
  }

  function applyLayout(value) {
    document.body.setAttribute("data-kb-layout", value);
    document.querySelectorAll(".kb-layout-button").forEach(function (button) {
      button.setAttribute("aria-pressed", String(button.dataset.kbLayout === value));
    });
    fitFormulas();
  }

  // ---- copy buttons ------------------------------------------------------------------------
  function copy(button) {
    var label = button.innerHTML;
    var say = function (text) {
      button.textContent = text;
      setTimeout(function () { button.innerHTML = label; }, 1500);
    };
    navigator.clipboard.writeText(button.dataset.latex).then(function () {
      say("Copied");
    }, function () { say("Copy failed"); });
  }

  // ---- formulas that do not fit: shrink a little, then scroll with a visible cue ----------
  var MIN_SCALE = 0.75;

  function fitFormulas() {
    document.querySelectorAll(".kb-display").forEach(function (box) {
      if (box.offsetParent === null) { return; }
      box.style.fontSize = "";
      box.classList.remove("kb-scrolls");
      var ratio = box.clientWidth / box.scrollWidth;
      if (ratio < 1) {
        box.style.fontSize = Math.max(MIN_SCALE, ratio * 0.98) * 100 + "%";
        if (box.scrollWidth > box.clientWidth + 1) {
          box.classList.add("kb-scrolls");
          box.setAttribute("tabindex", "0");
          box.setAttribute("role", "region");
          box.setAttribute("aria-label", "Formula, scrolls sideways");
        }
      }
    });
  }

  // ---- search: formulas as people type them ----------------------------------------------
  // The same rules as kb/render/search_keys.py (formula_key): keep the two equal.
  var SUP = {};
  var PLAIN = "0123456789+-−=()abcdefghijklmnoprstuvwxyzABDEGHIJKLMNOPRTUVW";
  var RAISED = "⁰¹²³⁴⁵⁶⁷⁸⁹⁺⁻⁻⁼⁽⁾ᵃᵇᶜᵈᵉᶠᵍʰⁱʲᵏˡᵐⁿᵒᵖʳˢᵗᵘᵛʷˣʸᶻᴬᴮᴰᴱᴳᴴᴵᴶᴷᴸᴹᴺᴼᴾᴿᵀᵁⱽᵂ";
  Array.from(PLAIN).forEach(function (c, i) { SUP[c] = Array.from(RAISED)[i]; });
  var SUPS = "⁰¹²³⁴⁵⁶⁷⁸⁹⁺⁻⁼⁽⁾ᵃᵇᶜᵈᵉᶠᵍʰⁱʲᵏˡᵐⁿᵒᵖʳˢᵗᵘᵛʷˣʸᶻᴬᴮᴰᴱᴳᴴᴵᴶᴷᴸᴹᴺᴼᴾᴿᵀᵁⱽᵂ";
  var EXPONENT = /\^(?:\{([^{}^]*)\}|\\top\b|([-−]?[A-Za-z0-9+]))/g;
  var FORMULA = new RegExp("^(?:[A-Za-zα-ωΑ-Ω][" + SUPS + "]*|[-+−*/=∘⊗·]|.*[" + SUPS +
                           "()\\[\\]∘⊗+*/=].*)$");

  function superscript(body) {
    body = body.replace(/\\top/g, "T").replace(/ /g, "");
    if (!body) { return null; }
    var out = "";
    for (var i = 0; i < body.length; i += 1) {
      if (!(body[i] in SUP)) { return null; }
      out += SUP[body[i]];
    }
    return out;
  }

  function reading(value) {
    for (var n = 0; n < value.length; n += 1) {
      var changed = value.replace(EXPONENT, function (all, braced, single) {
        var body = braced !== undefined ? braced : (single || "T");
        if (all === "^\\top") { body = "T"; }
        return superscript(body) || "^(" + body + ")";
      });
      if (changed === value) { break; }
      value = changed;
    }
    return value;
  }

  var MARK = "ƒ";  // leads every formula key, as in search_keys.py
  var SPLIT = /[\s\-,:;!=\[\]()"\/|+*−∘⊗·.]+/g;  // the search's separator

  // A query with each formula run as one key; keys are asked for exactly (boosted, so the
  // page of the formula itself comes first) and as a prefix.
  function formulaQuery(value) {
    value = reading(value).replace(/([A-Za-z0-9)\]ᵀ])['’]/g, "$1ᵀ");
    var out = [];
    var run = [];
    var close = function () {
      if (!run.length) { return; }
      var key = run.join("").replace(SPLIT, "").replace(/[\^~]/g, "");
      run = [];
      if (/^\d+$/.test(key)) { out.push(key + "^10", key); return; }  // (57): an equation
      if (key.length > 1) {
        out.push(MARK + key + "^10", MARK + key);
      } else if (key) { out.push(key); }
    };
    value.split(/\s+/).filter(Boolean).forEach(function (token) {
      if (FORMULA.test(token)) { run.push(token); return; }
      close();
      out.push(token.replace(/\^/g, ""));
    });
    close();
    return out.join(" ");
  }
  window.kbFormulaQuery = formulaQuery;

  // Material sends each query to its search worker: rewrite it there, leaving what the
  // reader typed in the box as it is.
  if (typeof Worker !== "undefined" && !Worker.prototype.kbPatched) {
    var post = Worker.prototype.postMessage;
    Worker.prototype.postMessage = function (message) {
      var args = Array.prototype.slice.call(arguments);
      if (message && message.type === 2 && typeof message.data === "string") {
        args[0] = { type: 2, data: formulaQuery(message.data) };
      }
      return post.apply(this, args);
    };
    Worker.prototype.kbPatched = true;
  }

  // ---- permalinks: absolute from the address when the site has no site_url --------------
  // The page's address is read from the rendered "./" (kept in data-kb-relative: the theme's
  // instant navigation rewrites every href to an absolute one before this runs).
  function setupPermalinks() {
    document.querySelectorAll(".kb-cite").forEach(function (block) {
      var a = block.querySelector(".kb-permalink[data-kb-relative]");
      if (!a) { return; }
      var relative = a.dataset.kbRelative;
      var absolute = new URL(relative, window.location.href).href;
      a.href = absolute;
      a.textContent = absolute;
      var swap = function (text) {
        return text.split("\\url{" + relative + "}").join("\\url{" + absolute + "}");
      };
      block.querySelectorAll(".kb-bibtex code").forEach(function (code) {
        if (code.textContent.indexOf("\\url{" + relative + "}") >= 0) {
          code.textContent = swap(code.textContent);
        }
      });
      block.querySelectorAll(".kb-copy-bibtex").forEach(function (button) {
        button.dataset.latex = swap(button.dataset.latex);
      });
    });
  }

  // ---- browse ---------------------------------------------------------------------------------
  function values(item, key) {
    var value = item[key];
    return Array.isArray(value) ? value : [value];
  }

  function setupBrowse() {
    var list = document.querySelector(".kb-browse-list");
    if (!list || list.dataset.kbReady) { return; }
    var form = document.querySelector(".kb-browse-filters");
    var selects = Array.prototype.slice.call(document.querySelectorAll("[data-kb-filter]"));
    var count = document.querySelector(".kb-browse-count");
    var root = new URL("../", window.location.href);
    fetch(new URL("browse.json", root)).then(function (response) {
      return response.json();
    }).then(function (data) {
      var index = data.records;
      var labels = data.labels;
      var params = new URLSearchParams(window.location.search);
      selects.forEach(function (select) {
        var key = select.dataset.kbFilter;
        var names = labels[key] || {};
        Object.keys(names).sort(function (a, b) {
          return names[a].localeCompare(names[b]);
        }).forEach(function (v) {
          var option = document.createElement("option");
          option.value = v;
          option.textContent = names[v];
          select.appendChild(option);
        });
        if (params.get(key) && names[params.get(key)]) { select.value = params.get(key); }
      });
      var fragment = document.createDocumentFragment();
      var items = index.map(function (item) {
        var li = document.createElement("li");
        li.className = "kb-browse-item";
        li.dataset.id = item.id;
        li.dataset.type = item.type;
        var a = document.createElement("a");
        a.href = new URL(item.url, root).href;
        a.textContent = item.title;
        var text = document.createElement("span");
        text.className = "kb-browse-text";
        text.textContent = item.text;
        li.appendChild(a);
        li.appendChild(text);
        fragment.appendChild(li);
        return { li: li, item: item };
      });
      list.appendChild(fragment);
      var update = function () {
        var shown = { identities: 0, derivations: 0 };
        var total = { identities: 0, derivations: 0 };
        var query = new URLSearchParams();
        selects.forEach(function (select) {
          if (select.value) { query.set(select.dataset.kbFilter, select.value); }
        });
        items.forEach(function (entry) {
          var group = entry.item.type === "derivation" ? "derivations" : "identities";
          total[group] += 1;
          var ok = selects.every(function (select) {
            return !select.value ||
              values(entry.item, select.dataset.kbFilter).indexOf(select.value) >= 0;
          });
          entry.li.hidden = !ok;
          if (ok) { shown[group] += 1; }
        });
        count.textContent = shown.identities + " of " + total.identities + " identities, " +
          shown.derivations + " of " + total.derivations + " derivations";
        var search = query.toString();
        history.replaceState(history.state, "",
                             window.location.pathname + (search ? "?" + search : ""));
      };
      selects.forEach(function (select) { select.addEventListener("change", update); });
      if (form) {
        form.addEventListener("reset", function () { setTimeout(update, 0); });
      }
      update();
      list.dataset.kbReady = "true";
    });
  }

  // The theme's search dialog has no accessible name.
  function nameSearchDialog() {
    var dialog = document.querySelector('.md-search[role="dialog"]');
    if (dialog && !dialog.hasAttribute("aria-label")) {
      dialog.setAttribute("aria-label", "Search the site");
    }
  }

  function setup() {
    nameSearchDialog();
    applyLayout(currentLayout());
    document.querySelectorAll(".kb-layout-button").forEach(function (button) {
      button.addEventListener("click", function () {
        localStorage.setItem(KEY, button.dataset.kbLayout);
        applyLayout(button.dataset.kbLayout);
      });
    });
    document.querySelectorAll(".kb-copy").forEach(function (button) {
      button.addEventListener("click", function () { copy(button); });
    });
    setupPermalinks();
    setupBrowse();
    fitFormulas();
    if (document.fonts && document.fonts.ready) { document.fonts.ready.then(fitFormulas); }
  }

  var resizing = null;
  window.addEventListener("resize", function () {
    clearTimeout(resizing);
    resizing = setTimeout(fitFormulas, 100);
  });

  if (typeof document$ !== "undefined") {
    document$.subscribe(setup);
  } else {
    document.addEventListener("DOMContentLoaded", setup);
  }
})();
