// Balance âgée: the bar chart of the five buckets' totals, drawn with Chart.js (vendored in
// static/vendor/chartjs) from the page's json_script #aged-chart-data. Each bar carries its
// amount as text and its axis names its bucket: the chart reads without its colours, and
// the table below it holds the same figures. On a phone the bars lie down (labels on the
// left, amounts at the bars' ends), where five standing bars would have no room for text.
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
  const phone = window.matchMedia("(max-width: 575.98px)");

  // Writes each bar's amount (the French text made by the server) at the bar's end.
  const valueLabels = {
    id: "agedValueLabels",
    afterDatasetsDraw(chart) {
      const { ctx } = chart;
      const lying = chart.options.indexAxis === "y";
      ctx.save();
      ctx.font = "600 12px system-ui, sans-serif";
      ctx.fillStyle = "#1f2937";
      ctx.textAlign = lying ? "left" : "center";
      ctx.textBaseline = lying ? "middle" : "bottom";
      chart.getDatasetMeta(0).data.forEach((bar, index) => {
        const text = data.texts[index];
        if (!lying) {
          ctx.fillText(text, bar.x, bar.y - 4);
          return;
        }
        // The axis' rounded maximum can leave less room than the text needs after the
        // longest bar: then the amount is written inside the bar's end, not off the card.
        const room = chart.width - bar.x - 6;
        if (ctx.measureText(text).width <= room) {
          ctx.textAlign = "left";
          ctx.fillText(text, bar.x + 6, bar.y);
        } else {
          ctx.textAlign = "right";
          ctx.fillText(text, bar.x - 6, bar.y);
        }
      });
      ctx.restore();
    },
  };

  const options = (lying) => {
    const amounts = {
      beginAtZero: true,
      // Room at the bars' end for the amount written there.
      grace: lying ? "55%" : "8%",
      ticks: { callback: (value) => euros.format(value), maxTicksLimit: lying ? 3 : 6 },
    };
    const buckets = { ticks: { maxRotation: 0, autoSkip: false }, grid: { display: !lying } };
    return {
      indexAxis: lying ? "y" : "x",
      responsive: true,
      maintainAspectRatio: false,
      animation: false,
      layout: { padding: lying ? { right: 8 } : { top: 22 } },
      plugins: {
        legend: { display: false },
        tooltip: { callbacks: { label: (item) => data.texts[item.dataIndex] } },
      },
      scales: lying ? { x: amounts, y: buckets } : { x: buckets, y: amounts },
    };
  };

  let chart = null;
  const draw = () => {
    if (chart) chart.destroy();
    chart = new Chart(canvas, {
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
      options: options(phone.matches),
      plugins: [valueLabels],
    });
  };
  draw();
  phone.addEventListener("change", draw);
})();
