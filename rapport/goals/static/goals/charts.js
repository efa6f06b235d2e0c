// Dashboard charts: each [data-chart] element draws the ECharts option kept in the JSON
// <script> of the same id (built on the server, labels translated there). A data item
// with a `url` opens the records behind it. Charts follow the page's language and theme.
(function () {
  "use strict";
  var charts = [];

  function dark() {
    var explicit = document.documentElement.getAttribute("data-theme");
    if (explicit) return explicit === "dark";
    return window.matchMedia && window.matchMedia("(prefers-color-scheme: dark)").matches;
  }

  function locale() {
    return (document.documentElement.lang || "en").toLowerCase().indexOf("zh") === 0 ? "ZH" : "EN";
  }

  function draw(el) {
    var source = document.getElementById(el.getAttribute("data-chart"));
    if (!source || !window.echarts) return;
    var option = JSON.parse(source.textContent);
    // The policy forbids inline styles, which ECharts' HTML tooltips use: draw them on canvas.
    option.tooltip = Object.assign({}, option.tooltip || {}, { renderMode: "richText" });
    option.backgroundColor = "transparent";
    var chart = echarts.init(el, dark() ? "dark" : null, { locale: locale() });
    chart.setOption(option);
    chart.on("click", function (params) {
      var url = params.data && params.data.url;
      if (url) window.location.href = url;
    });
    el.setAttribute("data-drawn", "true");
    charts.push(chart);
  }

  function drawAll() {
    charts.forEach(function (chart) { chart.dispose(); });
    charts = [];
    document.querySelectorAll("[data-chart]").forEach(draw);
  }

  document.addEventListener("DOMContentLoaded", function () {
    drawAll();
    window.addEventListener("resize", function () {
      charts.forEach(function (chart) { chart.resize(); });
    });
    new MutationObserver(drawAll).observe(document.documentElement, {
      attributes: true, attributeFilter: ["data-theme"]
    });
    document.querySelectorAll("select[data-nav-select]").forEach(function (select) {
      select.addEventListener("change", function () { window.location.href = select.value; });
    });
  });
})();
