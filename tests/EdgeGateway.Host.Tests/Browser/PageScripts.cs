namespace EdgeGateway.Host.Tests.Browser;

/// <summary>What the phone and language tests measure inside the page, as the page's own JavaScript.</summary>
internal static class PageScripts
{
    /// <summary>The page's width against the window's: [scrollWidth, innerWidth].</summary>
    public const string Widths = "() => [document.documentElement.scrollWidth, window.innerWidth]";

    /// <summary>Every visible button, link, text input and language switch smaller than 44 px in either direction.</summary>
    public const string SmallTouchTargets = """
        () => [...document.querySelectorAll('button, nav a, input, select, td a')]
          .filter(e => e.offsetParent !== null && getComputedStyle(e).visibility !== 'hidden')
          .map(e => ({ e, r: e.getBoundingClientRect() }))
          .filter(({ r }) => r.width > 0 && (r.width < 44 || r.height < 44))
          .map(({ e, r }) => `${e.tagName.toLowerCase()}#${e.id || e.textContent.trim().slice(0, 20)} ${Math.round(r.width)}x${Math.round(r.height)}`)
        """;

    /// <summary>True once the page shows at least one touch target.</summary>
    public const string HasTouchTargets = """
        () => [...document.querySelectorAll('button, nav a, input, select, td a')].some(e => e.offsetParent !== null && e.getBoundingClientRect().width > 0)
        """;

    /// <summary>The smallest visible touch target's width and height, in CSS pixels.</summary>
    public const string SmallestTouchTarget = """
        () => {
          const sizes = [...document.querySelectorAll('button, nav a, input, select, td a')]
            .filter(e => e.offsetParent !== null).map(e => e.getBoundingClientRect()).filter(r => r.width > 0);
          // None shown (the page is still drawing; callers wait for HasTouchTargets first): 0 x 0, never Infinity.
          return sizes.length === 0 ? [0, 0] : [Math.round(Math.min(...sizes.map(r => r.width))), Math.round(Math.min(...sizes.map(r => r.height)))];
        }
        """;

    /// <summary>
    /// Visible text that did not come from the resources in the page's language: each visible text node outside the
    /// box's own data ([data-value], the log), once every string the page rendered from the resources is taken out,
    /// must have no word left (a platform code such as E09 is data too).
    /// </summary>
    public const string TextNotFromResources = """
        () => {
          const rendered = [...window.edgegwText.rendered].filter(s => s.trim()).sort((a, b) => b.length - a.length);
          const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
          const strays = [];
          for (let node = walker.nextNode(); node; node = walker.nextNode()) {
            const parent = node.parentElement;
            if (!parent || parent.closest('[data-value], script, style, [hidden]') || !node.textContent.trim()) continue;
            if (parent.closest('svg') ? parent.closest('svg').getBoundingClientRect().width === 0 : parent.offsetParent === null && getComputedStyle(parent).position !== 'fixed') continue;
            let rest = node.textContent;
            for (const text of rendered) rest = rest.split(text).join(' ');
            if (/[A-Za-z\u4e00-\u9fff]{2,}/.test(rest.replace(/\b[A-Z]\d{2}\b/g, ''))) strays.push(node.textContent.trim());
          }
          return { language: window.edgegwText.language, missing: [...window.edgegwText.missing], strays };
        }
        """;

    /// <summary>Pairs of edge-label boxes of the state diagram that overlap, and how many labels there are.</summary>
    public const string OverlappingEdgeLabels = """
        () => {
          const boxes = [...document.querySelectorAll('#elevator-diagram .edge .label rect')].map(r => r.getBoundingClientRect());
          const overlaps = [];
          for (let i = 0; i < boxes.length; i++)
            for (let j = i + 1; j < boxes.length; j++) {
              const a = boxes[i], b = boxes[j];
              if (a.left < b.right - 0.5 && b.left < a.right - 0.5 && a.top < b.bottom - 0.5 && b.top < a.bottom - 0.5) overlaps.push([i, j]);
            }
          return { labels: boxes.length, overlaps: overlaps.length };
        }
        """;
}
