// The operators' console: shows times in the reader's own time zone and the live feed (Server-Sent Events).
// Everything else is plain HTML forms, so the console works without this script.
"use strict";

function localTimes(root) {
  for (const el of root.querySelectorAll("time[data-ms]")) {
    const at = new Date(Number(el.dataset.ms));
    el.title = el.textContent;
    el.textContent = at.toLocaleString(document.documentElement.lang || undefined, { hour12: false });
  }
}

function liveFeed() {
  const url = document.body.dataset.live;
  const list = document.getElementById("live-feed");
  if (!url || !list) {
    return;
  }
  const source = new EventSource(url);
  const show = (type) => (event) => {
    const item = JSON.parse(event.data);
    const li = document.createElement("li");
    li.dataset.type = type;
    const time = document.createElement("time");
    time.dataset.ms = String(item.at_ms);
    li.append(time, " ");
    if (item.href) {
      const a = document.createElement("a");
      a.href = item.href;
      a.textContent = item.text;
      li.append(a);
    } else {
      li.append(document.createTextNode(item.text));
    }
    localTimes(li);
    list.prepend(li);
    while (list.children.length > 50) {
      list.lastElementChild.remove();
    }
  };
  source.addEventListener("alert", show("alert"));
  source.addEventListener("case", show("case"));
  source.addEventListener("open", () => list.dataset.state = "live");
  source.addEventListener("ended", () => { source.close(); list.dataset.state = "ended"; });
}

document.addEventListener("DOMContentLoaded", () => {
  localTimes(document);
  liveFeed();
});
