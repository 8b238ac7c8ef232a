// Balance âgée: the bar chart of the five buckets' totals, drawn with Chart.js (vendored in
// static/vendor/chartjs) from the page's json_script #aged-chart-data. Each bar carries its
// amount as text, and the x axis names its bucket: the chart reads without its colours,
// and the table below it holds the same figures.
(() => {
  const canvas = document.getElementById("aged-chart");
  const source = document.getElementById("aged-chart-data");
  if (!canvas || !source || typeof Chart === "undefined") return;
  const data = JSON.parse(source.textContent);
  // From calm to alarming as the debt ages; the labels, not the colours, carry the meaning.
  const colours = ["#8da3bf", "#e0b050", "#e08a3c", "#d0603a", "#a8322d"];
  const euros = new Intl.NumberFormat(document.documentElement.lang || "fr", {
    style: "currency", currency: "EUR", maximumFractionDigits: 0,
  });
  const narrow = () => canvas.parentElement.clientWidth < 500;

  // Writes each bar's amount (the French text made by the server) just above the bar.
  const valueLabels = {
    id: "agedValueLabels",
    afterDatasetsDraw(chart) {
      const { ctx } = chart;
      const bars = chart.getDatasetMeta(0).data;
      ctx.save();
      ctx.font = `600 ${narrow() ? 10 : 12}px system-ui, sans-serif`;
      ctx.fillStyle = "#1f2937";
      ctx.textAlign = "center";
      ctx.textBaseline = "bottom";
      bars.forEach((bar, index) => {
        ctx.fillText(data.texts[index], bar.x, bar.y - 4);
      });
      ctx.restore();
    },
  };

  new Chart(canvas, {
    type: "bar",
    data: {
      labels: data.labels,
      datasets: [{
        label: data.title,
        data: data.values,
        backgroundColor: colours,
        borderColor: "#1f2937",
        borderWidth: 1,
        maxBarThickness: 90,
      }],
    },
    options: {
      responsive: true,
      maintainAspectRatio: false,
      animation: false,
      layout: { padding: { top: 22 } },
      plugins: {
        legend: { display: false },
        title: { display: false },
        tooltip: { callbacks: { label: (item) => data.texts[item.dataIndex] } },
      },
      scales: {
        x: { ticks: { font: { size: narrow() ? 10 : 12 }, maxRotation: 0, autoSkip: false } },
        y: {
          beginAtZero: true,
          grace: "8%",
          ticks: { callback: (value) => euros.format(value), maxTicksLimit: 6 },
        },
      },
    },
    plugins: [valueLabels],
  });
})();
