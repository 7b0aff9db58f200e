/* The cockpit's charts: every element with data-chart-url gets its chart from that JSON
   endpoint (the same selectors as the page; the figures are also in a table next to it). */
(function () {
  "use strict";
  var QUADRANT_COLOURS = ["#0b5394", "#e69138", "#6aa84f", "#999999"];

  function money(value) {
    return value == null ? "–" : value.toLocaleString(document.documentElement.lang, {style: "currency", currency: "EUR", maximumFractionDigits: 0});
  }

  /* Axis labels in the page's language and short: "350 Mio." rather than "350,000,000". */
  function compact(value) {
    return value.toLocaleString(document.documentElement.lang, {notation: "compact", maximumFractionDigits: 1});
  }

  function bar(data) {
    return {
      tooltip: {trigger: "axis", valueFormatter: money}, legend: {}, grid: {left: 90, right: 20},
      xAxis: {type: "category", data: data.categories}, yAxis: {type: "value", axisLabel: {formatter: compact}},
      series: data.series.map(function (s) { return {name: s.name, type: "bar", data: s.data}; })
    };
  }

  function lorenz(data) {
    return {
      tooltip: {trigger: "axis"}, legend: {}, grid: {left: 60, right: 20},
      xAxis: {type: "value", min: 0, max: 1, name: data.labels.x, nameLocation: "middle", nameGap: 28},
      yAxis: {type: "value", min: 0, max: 1, name: data.labels.y},
      series: [
        {name: data.labels.curve, type: "line", showSymbol: false, areaStyle: {opacity: 0.15}, data: data.points},
        {name: data.labels.equality, type: "line", showSymbol: false, lineStyle: {type: "dashed"}, data: [[0, 0], [1, 1]]}
      ]
    };
  }

  function bubble(data) {
    var quadrants = [];
    data.points.forEach(function (p) { if (quadrants.indexOf(p.quadrant) < 0) quadrants.push(p.quadrant); });
    var largest = Math.max.apply(null, data.points.map(function (p) { return p.value[2] || 0; }).concat([1]));
    return {
      tooltip: {formatter: function (p) { return p.data.name + "<br>" + money(p.data.value[2]); }},
      legend: {}, grid: {left: 60, right: 20},
      xAxis: {type: "value", name: data.labels.x, nameLocation: "middle", nameGap: 28, min: 0, max: 100},
      yAxis: {type: "value", name: data.labels.y, min: 0, max: 100},
      series: quadrants.map(function (q, i) {
        return {
          name: q, type: "scatter", itemStyle: {color: QUADRANT_COLOURS[i % 4], opacity: 0.7},
          symbolSize: function (v) { return 6 + 44 * Math.sqrt((v[2] || 0) / largest); },
          markLine: i === 0 ? {silent: true, symbol: "none", lineStyle: {color: "#aaa"}, data: [{xAxis: 50}, {yAxis: 50}]} : undefined,
          data: data.points.filter(function (p) { return p.quadrant === q; })
        };
      })
    };
  }

  function account(data) {
    var s = data.series, l = data.labels;
    var low = s.low.map(function (v) { return v; });
    var band = s.high.map(function (v, i) { return v == null || low[i] == null ? null : v - low[i]; });
    var series = [
      {name: l.revenue, type: "bar", data: s.revenue},
      {name: l.forecast, type: "line", data: s.forecast, lineStyle: {type: "dashed"}},
      {name: l.band, type: "line", stack: "band", data: low, lineStyle: {opacity: 0}, showSymbol: false, tooltip: {show: false}},
      {name: l.band, type: "line", stack: "band", data: band, lineStyle: {opacity: 0}, showSymbol: false, areaStyle: {color: "#9fc5e8", opacity: 0.5}, tooltip: {show: false}}
    ];
    if (s.margin) {
      series.push({name: l.margin, type: "line", data: s.margin});
      series.push({name: l.forecast_margin, type: "line", data: s.forecast_margin, lineStyle: {type: "dotted"}});
    }
    return {tooltip: {trigger: "axis", valueFormatter: money}, legend: {}, grid: {left: 80, right: 20},
      xAxis: {type: "category", data: data.months}, yAxis: {type: "value", axisLabel: {formatter: compact}}, series: series};
  }

  var BUILDERS = {bar: bar, lorenz: lorenz, bubble: bubble, account: account};

  function draw(element) {
    fetch(element.dataset.chartUrl, {credentials: "same-origin", headers: {Accept: "application/json"}})
      .then(function (response) { return response.json(); })
      .then(function (data) {
        var chart = echarts.init(element);
        chart.setOption(BUILDERS[data.kind](data));
        if (data.kind === "bubble") {
          chart.on("click", function (p) { if (p.data && p.data.url) window.location.href = p.data.url; });
        }
        window.addEventListener("resize", function () { chart.resize(); });
        element.dataset.chartReady = "true";
      });
  }

  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("[data-chart-url]").forEach(draw);
  });
})();
