/* kam's one chart mechanism. Every element with data-chart gets an ECharts chart:
     data-chart-url="/…"       the figures come from that JSON endpoint (the same selectors as the page), or
     data-chart-data="id"      from the json_script element with that id;
   the figures' "kind" (or data-chart-kind) picks the builder below. Labels that the payload does not
   carry come from data-label-* attributes. ECharts itself is loaded once, from the URL on this script's
   data-echarts-src, when a page has a chart. Charts in a hidden tab or an htmx fragment are drawn when
   they become visible. Every text in a tooltip goes through kam.escapeHtml (names are user-set). */
(function () {
  "use strict";
  var SCRIPT = document.currentScript;
  var QUADRANT_COLOURS = ["#0b5394", "#e69138", "#6aa84f", "#999999"];
  var charts = [];
  var echartsLoading = null;

  function esc(value) { return window.kam.escapeHtml(value); }

  /* Rounded half up at the value's shortest decimal spelling, like the pages and the exports
     (kam.core.money.round_half_up): 1.005 -> 1.01, 11.25 -> 11.3, -2.5 -> -3. */
  function roundHalfUp(value, places) {
    var number = Number(value);
    if (!isFinite(number) || String(number).indexOf("e") >= 0) return number;
    var sign = number < 0 ? -1 : 1;
    var shifted = Number(String(Math.abs(number)) + "e" + places);
    return sign * Number(String(Math.round(shifted)) + "e-" + places) || 0;
  }

  function formatted(value, places, options) {
    var settings = Object.assign({minimumFractionDigits: places, maximumFractionDigits: places}, options || {});
    return roundHalfUp(value, places).toLocaleString(document.documentElement.lang, settings);
  }

  function money(value) {
    return value == null ? "–" : formatted(value, 0, {style: "currency", currency: "EUR"});
  }

  function plain(value) {
    return value == null ? "–" : formatted(value, 2, {minimumFractionDigits: 0});
  }

  /* A fraction (0.114) as "11,4 %"; `places` decimals of the percentage. */
  function percent(value, places) {
    return value == null ? "–" : formatted(100 * value, places) + " %";
  }

  /* Axis labels in the page's language and short: "350 Mio." rather than "350,000,000". */
  function compact(value) {
    return value.toLocaleString(document.documentElement.lang, {notation: "compact", maximumFractionDigits: 1});
  }

  /* The tooltip of a chart with an axis: the category, then one escaped line per series. */
  function axisTooltip(format) {
    return {
      trigger: "axis",
      formatter: function (params) {
        var list = Array.isArray(params) ? params : [params];
        var lines = list.filter(function (p) { return p.seriesName !== "" && p.value != null; }).map(function (p) {
          var value = Array.isArray(p.value) ? p.value[p.value.length - 1] : p.value;
          return esc(p.seriesName) + ": " + esc(format(value));
        });
        return [esc(list.length ? list[0].axisValueLabel : "")].concat(lines).join("<br>");
      }
    };
  }

  function bar(data) {
    return {
      tooltip: axisTooltip(money), legend: {}, grid: {left: 90, right: 20},
      xAxis: {type: "category", data: data.categories}, yAxis: {type: "value", axisLabel: {formatter: compact}},
      series: data.series.map(function (s) { return {name: s.name, type: "bar", data: s.data}; })
    };
  }

  function lorenz(data) {
    return {
      tooltip: axisTooltip(function (v) { return percent(v, 1); }), legend: {}, grid: {left: 60, right: 20},
      xAxis: {type: "value", min: 0, max: 1, name: data.labels.x, nameLocation: "middle", nameGap: 28,
        axisLabel: {formatter: function (v) { return percent(v, 0); }}},
      yAxis: {type: "value", min: 0, max: 1, name: data.labels.y, axisLabel: {formatter: function (v) { return percent(v, 0); }}},
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
      tooltip: {formatter: function (p) { return esc(p.data.name) + "<br>" + esc(money(p.data.value[2])); }},
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
    var low = s.low.slice();
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
    var tooltip = axisTooltip(money);
    var lines = tooltip.formatter;
    tooltip.formatter = function (params) { return lines(params.filter(function (p) { return p.seriesName !== l.band; })); };
    return {tooltip: tooltip, legend: {}, grid: {left: 80, right: 20},
      xAxis: {type: "category", data: data.months}, yAxis: {type: "value", axisLabel: {formatter: compact}}, series: series};
  }

  /* Monthly revenue (and margin) of one account: the sales tab. */
  function monthly(data, labels) {
    var series = [{name: labels.revenue, type: "bar", data: data.revenue}];
    if (data.margin) series.push({name: labels.margin, type: "line", data: data.margin});
    return {tooltip: axisTooltip(money), legend: {}, grid: {left: 70, right: 20},
      xAxis: {type: "category", data: data.months}, series: series,
      yAxis: {type: "value", axisLabel: {formatter: compact}}};
  }

  /* Counts per category (complaints), with the cumulative share when the payload has one. */
  function pareto(data, labels) {
    var option = {
      tooltip: axisTooltip(plain),
      grid: {left: 40, right: 40, bottom: 60, top: 30},
      xAxis: {type: "category", data: data.labels, axisLabel: {interval: 0, rotate: 30}},
      yAxis: [{type: "value", minInterval: 1}],
      series: [{name: labels.count, type: "bar", data: data.counts, itemStyle: {color: "#2f5d8a"}}]
    };
    if (data.cumulative) {
      option.yAxis.push({type: "value", max: 100, axisLabel: {formatter: "{value} %"}});
      option.series.push({name: labels.cumulative, type: "line", yAxisIndex: 1, data: data.cumulative, itemStyle: {color: "#c0392b"}});
    }
    return option;
  }

  /* Cumulative DB IV over the accounts ranked by DB IV (profitability): x the share of accounts. */
  function whale(data, labels) {
    var points = data.points.map(function (p, i) { return {value: p, name: data.names[i], profit: data.profits[i]}; });
    return {
      tooltip: {trigger: "item", formatter: function (p) {
        return esc(p.data.name) + "<br>" + esc(labels.curve) + ": " + esc(money(p.data.value[1])) + "<br>DB IV: " + esc(money(p.data.profit));
      }},
      grid: {left: 90, right: 20, bottom: 50},
      xAxis: {type: "value", min: 0, max: 100, name: labels.x, nameLocation: "middle", nameGap: 30},
      yAxis: {type: "value", name: labels.y, axisLabel: {formatter: compact}},
      series: [{name: labels.curve, type: "line", showSymbol: points.length <= 60, areaStyle: {opacity: 0.12}, data: points}]
    };
  }

  /* DB I stepping down by each kind of cost to DB IV (profitability): invisible bases, visible steps. */
  function waterfall(data, labels) {
    return {
      tooltip: {trigger: "axis", formatter: function (params) {
        var i = params[0].dataIndex;
        return esc(data.categories[i]) + ": " + esc(money(data.values[i]));
      }},
      grid: {left: 90, right: 20},
      xAxis: {type: "category", data: data.categories},
      yAxis: {type: "value", axisLabel: {formatter: compact}},
      series: [
        {name: "", type: "bar", stack: "w", data: data.bases, itemStyle: {color: "transparent"}, emphasis: {disabled: true}},
        {name: labels.value || "", type: "bar", stack: "w", data: data.heights.map(function (h, i) {
          var last = i === 0 || i === data.heights.length - 1;
          return {value: h, itemStyle: {color: last ? (data.values[i] < 0 ? "#c0392b" : "#2f5d8a") : "#e69138"}};
        })}
      ]
    };
  }

  /* Who referred whom: a force-directed graph; node size grows with the referrals given. */
  function network(data) {
    return {
      tooltip: {formatter: function (p) {
        return p.dataType === "edge" ? esc(p.data.status) : esc(p.data.name);
      }},
      series: [{
        type: "graph", layout: "force", roam: true, draggable: true,
        force: {repulsion: 160, edgeLength: 90},
        label: {show: true, position: "right", formatter: function (p) { return p.data.name; }},
        edgeSymbol: ["none", "arrow"], edgeSymbolSize: 8,
        data: data.nodes.map(function (n) {
          return {id: n.id, name: n.name, url: n.url, symbolSize: 12 + 6 * Math.sqrt(n.referrals)};
        }),
        links: data.edges.map(function (e) { return {source: e.source, target: e.target, status: e.status}; })
      }]
    };
  }

  /* The formatters, for the browser test that checks they round like the pages. */
  window.kam.numbers = {roundHalfUp: roundHalfUp, money: money, percent: percent};

  var BUILDERS = {network: network, bar: bar, lorenz: lorenz, bubble: bubble, account: account, monthly: monthly, pareto: pareto, whale: whale, waterfall: waterfall};

  function labelsOf(element) {
    var labels = {};
    Object.keys(element.dataset).forEach(function (key) {
      if (key.indexOf("label") === 0 && key.length > 5) labels[key.charAt(5).toLowerCase() + key.slice(6)] = element.dataset[key];
    });
    return labels;
  }

  function figuresOf(element) {
    if (element.dataset.chartUrl) {
      return fetch(element.dataset.chartUrl, {credentials: "same-origin", headers: {Accept: "application/json"}})
        .then(function (response) { return response.json(); });
    }
    var source = document.getElementById(element.dataset.chartData);
    var data = JSON.parse(source.textContent);
    return Promise.resolve(element.dataset.chartPart ? data[element.dataset.chartPart] : data);
  }

  function loadEcharts() {
    if (window.echarts) return Promise.resolve();
    if (!echartsLoading) {
      echartsLoading = new Promise(function (resolve, reject) {
        var script = document.createElement("script");
        script.src = SCRIPT.dataset.echartsSrc;
        script.onload = resolve;
        script.onerror = reject;
        document.head.appendChild(script);
      });
    }
    return echartsLoading;
  }

  function draw(element) {
    element.dataset.chartState = "drawing";
    Promise.all([figuresOf(element), loadEcharts()]).then(function (results) {
      var data = results[0];
      var kind = element.dataset.chartKind || data.kind;
      var chart = window.echarts.init(element);
      chart.setOption(BUILDERS[kind](data, labelsOf(element)));
      if (kind === "bubble" || kind === "network") {
        chart.on("click", function (p) {
          var url = p.data && p.data.url;
          if (typeof url === "string" && url.charAt(0) === "/" && url.charAt(1) !== "/") window.location.href = url;
        });
      }
      charts.push(chart);
      element.dataset.chartReady = "true";
    });
  }

  /* Draws the charts that are visible and not drawn yet; resizes the others. */
  function refresh() {
    document.querySelectorAll("[data-chart]").forEach(function (element) {
      if (!element.dataset.chartState && element.offsetWidth > 0) draw(element);
    });
    charts.forEach(function (chart) { chart.resize(); });
  }

  document.addEventListener("DOMContentLoaded", refresh);
  document.addEventListener("htmx:afterSettle", refresh);
  document.addEventListener("shown.bs.tab", refresh);
  window.addEventListener("resize", function () { charts.forEach(function (chart) { chart.resize(); }); });
})();
