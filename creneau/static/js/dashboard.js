// Tableau de bord: the four charts, drawn with Chart.js (static/vendor/chartjs) from the
// page's json_script blocks #chart-<key>-data. Readable without colour: bars of a second
// series are hatched, lines differ by their dashes and point shapes, the legend names each
// series, bars carry their amounts as text where they fit, and each chart's table below it
// (a <details>) holds every figure. Texts are formatted by the server.
(() => {
  if (typeof Chart === "undefined") return;
  const ink = "#1f2937";
  const colours = ["#3b6ea8", "#d08a2c", "#8a3c9a"];
  const ageColours = ["#8da3bf", "#e0b050", "#e08a3c", "#d0603a", "#a8322d"];
  const euros = new Intl.NumberFormat(document.documentElement.lang || "fr", {
    style: "currency", currency: "EUR", notation: "compact", maximumFractionDigits: 1,
  });
  const phone = window.matchMedia("(max-width: 575.98px)");

  // Diagonal hatching over a colour: the second series of bars reads without its colour.
  const hatch = (colour) => {
    const tile = document.createElement("canvas");
    tile.width = tile.height = 8;
    const ctx = tile.getContext("2d");
    ctx.fillStyle = colour;
    ctx.fillRect(0, 0, 8, 8);
    ctx.strokeStyle = "#ffffff";
    ctx.lineWidth = 2;
    ctx.beginPath();
    ctx.moveTo(0, 8); ctx.lineTo(8, 0);
    ctx.moveTo(-2, 2); ctx.lineTo(2, -2);
    ctx.moveTo(6, 10); ctx.lineTo(10, 6);
    ctx.stroke();
    return ctx.createPattern(tile, "repeat");
  };

  // Writes each bar's amount above it, when the text fits in the bar's room.
  const valueLabels = {
    id: "dashboardValueLabels",
    afterDatasetsDraw(chart) {
      const { ctx } = chart;
      ctx.save();
      ctx.font = "600 11px system-ui, sans-serif";
      ctx.fillStyle = ink;
      ctx.textAlign = "center";
      ctx.textBaseline = "bottom";
      // The room of a bar: its share of its category's width (the gaps included).
      const sets = chart.data.datasets.length;
      const room = chart.chartArea.width / Math.max(chart.data.labels.length, 1) / sets - 4;
      chart.data.datasets.forEach((dataset, index) => {
        if (!dataset.texts || chart.config.type !== "bar") return;
        chart.getDatasetMeta(index).data.forEach((bar, position) => {
          const text = dataset.texts[position];
          if (!dataset.data[position] || ctx.measureText(text).width > room) return;
          ctx.fillText(text, bar.x, bar.y - 3);
        });
      });
      ctx.restore();
    },
  };

  const scales = (valueTicks) => ({
    x: { ticks: { maxRotation: phone.matches ? 60 : 0, autoSkip: true } },
    y: { beginAtZero: true, grace: "10%", ticks: { callback: valueTicks, maxTicksLimit: 6 } },
  });
  const options = (valueTicks, legend) => ({
    responsive: true,
    maintainAspectRatio: false,
    animation: false,
    layout: { padding: { top: 12 } },
    plugins: {
      legend: { display: legend, labels: { usePointStyle: true } },
      tooltip: {
        callbacks: {
          label: (item) => `${item.dataset.label} : ${item.dataset.texts[item.dataIndex]}`,
        },
      },
    },
    scales: scales(valueTicks),
  });

  const bars = (data, { hatchSecond = false, perBar = null } = {}) =>
    data.series.map((serie, index) => ({
      label: serie.label,
      data: serie.values,
      texts: serie.texts,
      backgroundColor: perBar || (hatchSecond && index === 1 ? hatch(colours[index]) : colours[index]),
      borderColor: ink,
      borderWidth: 1,
      maxBarThickness: 48,
    }));

  const lineStyles = [
    { borderDash: [], pointStyle: "circle" },
    { borderDash: [6, 4], pointStyle: "triangle" },
    { borderDash: [2, 3], pointStyle: "rect" },
  ];
  const lines = (data) =>
    data.series.map((serie, index) => ({
      label: serie.label,
      data: serie.values,
      texts: serie.texts,
      borderColor: colours[index],
      backgroundColor: colours[index],
      borderWidth: 2,
      pointRadius: 4,
      ...lineStyles[index],
    }));

  const hours = (value) => `${value} h`;
  const builders = {
    revenue: (data) => ({ type: "bar", data: { labels: data.labels, datasets: bars(data) }, options: options(euros.format, false) }),
    flows: (data) => ({ type: "bar", data: { labels: data.labels, datasets: bars(data, { hatchSecond: true }) }, options: options(euros.format, true) }),
    aged: (data) => ({ type: "bar", data: { labels: data.labels, datasets: bars(data, { perBar: ageColours }) }, options: options(euros.format, false) }),
    hours: (data) => ({ type: "line", data: { labels: data.labels, datasets: lines(data) }, options: options(hours, true) }),
  };

  const charts = [];
  const draw = () => {
    charts.splice(0).forEach((chart) => chart.destroy());
    document.querySelectorAll("canvas[data-chart]").forEach((canvas) => {
      const key = canvas.dataset.chart;
      const source = document.getElementById(`chart-${key}-data`);
      if (!source || !builders[key]) return;
      const config = builders[key](JSON.parse(source.textContent));
      config.plugins = [valueLabels];
      charts.push(new Chart(canvas, config));
    });
  };
  draw();
  phone.addEventListener("change", draw);
})();
