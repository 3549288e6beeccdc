// The HTML summary in a real browser: Debian's headless Chromium loads the
// page of the samples (2026-W47) over file:// and must show it without a
// console error or CSP violation, with the flagged sources and their counts
// visible, both charts drawn, labelled cards and no sideways scrolling on a
// phone, and tables on a desktop. A page of hostile report strings must run
// no script. Under CI (CI=true) a missing browser fails the tests; elsewhere
// they are skipped. With DMARCDB_SCREENSHOT_DIR set, the viewport tests save
// full-page PNGs there.
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include "ingest/pipeline.hpp"
#include "report/render.hpp"
#include "tests/browser/headless_chromium.hpp"

namespace {

namespace fs = std::filesystem;
using dmarc::testing::HeadlessChromium;
using dmarc::testing::Json;
using dmarc::testing::LogEntry;

struct Viewport {
  const char* name;
  int width;
  int height;
  bool mobile;
};
constexpr Viewport k_phones[] = {{"phone-390", 390, 844, true}, {"phone-420", 420, 900, true}};
constexpr Viewport k_tablets[] = {{"tablet-768", 768, 1024, true},
                                  {"laptop-1100", 1100, 800, false}};
constexpr Viewport k_desktop{"desktop-1280", 1280, 900, false};

struct Flagged {
  const char* ip;
  const char* rejected;
  const char* quarantined;
};
// samples/README.md: the CRM service (new), the ticketing system, the invoicing platform.
constexpr Flagged k_flagged[] = {{"203.0.113.50", "424", "0"},
                                 {"203.0.113.51", "246", "0"},
                                 {"198.51.100.77", "0", "170"},
                                 {"203.0.113.90", "102", "0"}};

// Markup that would run script if a report string reached the page unescaped.
const std::string k_script_payload = "<script>window.__dmarcdb_pwned = 1</script>";
const std::string k_img_payload = "<img src=x onerror=\"window.__dmarcdb_pwned = 2\">";
const std::string k_attribute_payload = "\"><svg onload=\"window.__dmarcdb_pwned = 3\">";
const std::string k_style_payload = "</style><script>window.__dmarcdb_pwned = 4</script>";

// For each flagged row: its source, the text of its rejected and quarantined
// cells (found by column heading), and whether the three are shown:
// displayed, non-empty, within the viewport's width, and the topmost element
// at their centre once scrolled into view.
constexpr const char* k_flagged_rows = R"js(
const table = document.querySelector('table.flagged');
if (!table) return null;
const heads = [...table.tHead.rows[0].cells].map(c => c.textContent.trim());
const shown = el => {
  el.scrollIntoView({block: 'center', inline: 'nearest'});
  const b = el.getBoundingClientRect(), s = getComputedStyle(el);
  if (b.width <= 0 || b.height <= 0 || s.visibility !== 'visible' || s.display === 'none') return false;
  if (b.left < 0 || b.right > window.innerWidth + 0.5) return false;
  const top = document.elementFromPoint(b.left + b.width / 2, b.top + b.height / 2);
  return top !== null && el.contains(top);
};
return [...table.tBodies[0].rows].map(row => {
  const cell = name => row.cells[heads.indexOf(name)];
  return {source: row.cells[0].innerText.trim().split(/\s+/)[0],
          rejected: cell('rejected').innerText.trim(),
          quarantined: cell('quarantined').innerText.trim(),
          shown: shown(row.cells[0]) && shown(cell('rejected')) && shown(cell('quarantined'))};
});
)js";

// Each chart's rendered size, how many of its rectangles have an area, and its text.
constexpr const char* k_charts = R"js(
const chart = label => {
  const svg = document.querySelector(`svg[aria-label="${label}"]`);
  if (!svg) return null;
  const b = svg.getBoundingClientRect();
  const drawn = [...svg.querySelectorAll('rect')].filter(r => {
    const box = r.getBBox(), on_screen = r.getBoundingClientRect();
    return box.width > 0 && box.height > 0 && on_screen.width > 0 && on_screen.height > 0;
  });
  return {width: b.width, height: b.height, shapes: drawn.length, text: svg.textContent};
};
return {daily: chart('Daily messages by DMARC result'), sources: chart('Top failing sources')};
)js";

// The layout facts a phone or desktop check needs.
constexpr const char* k_layout = R"js(
const doc = document.documentElement;
const out = {inner: window.innerWidth, scroll: doc.scrollWidth, label_mismatches: [],
             too_wide: [], scrolling_tables: 0, tallest_card: 0, smallest_font: 100,
             table_display: '', head_height: 0, cells_mismatch: 0};
for (const t of document.querySelectorAll('table.cards')) {
  const heads = [...t.tHead.rows[0].cells].map(c => c.textContent.trim());
  if (t.classList.contains('flagged') && !out.table_display) {
    out.table_display = getComputedStyle(t).display;
    out.head_height = t.tHead.getBoundingClientRect().height;
  }
  for (const row of t.tBodies[0].rows) {
    if (row.cells.length !== heads.length) out.cells_mismatch++;
    out.tallest_card = Math.max(out.tallest_card, row.getBoundingClientRect().height);
    [...row.cells].forEach((td, i) => {
      out.smallest_font = Math.min(out.smallest_font, parseFloat(getComputedStyle(td).fontSize));
      if (i === 0) return;
      const label = getComputedStyle(td, '::before').content;
      if (label !== JSON.stringify(heads[i]))
        out.label_mismatches.push(`${t.className} row ${row.rowIndex} cell ${i}: ${label} for "${heads[i]}"`);
    });
  }
}
for (const w of document.querySelectorAll('.table'))
  if (w.scrollWidth > w.clientWidth) out.scrolling_tables++;
for (const e of document.querySelectorAll('body *')) {
  if (e.closest('thead')) continue;
  const r = e.getBoundingClientRect();
  if (r.right > window.innerWidth + 0.5 || r.left < -0.5)
    out.too_wide.push(`${e.tagName.toLowerCase()}.${e.getAttribute('class')} ${r.left}..${r.right}`);
}
out.too_wide = out.too_wide.slice(0, 8);
return out;
)js";

constexpr const char* k_hostile_state = R"js(
return {pwned: typeof window.__dmarcdb_pwned, scripts: document.scripts.length,
        handlers: document.querySelectorAll('[onerror],[onload]').length,
        images: document.images.length,
        svgs: document.querySelectorAll('svg').length,
        labelled_svgs: document.querySelectorAll('svg[aria-label]').length,
        text: document.body.innerText,
        overflow: document.documentElement.scrollWidth - window.innerWidth};
)js";

bool in_ci() {
  const char* ci = std::getenv("CI");
  if (ci == nullptr) return false;
  const std::string value(ci);
  return !value.empty() && value != "false" && value != "0";
}

void write_file(const fs::path& file, const std::string& text) {
  std::ofstream(file, std::ios::binary) << text;
}

std::string samples_page() {
  dmarc::store::Store store(":memory:");
  dmarc::ingest::Pipeline pipeline(store, dmarc::Limits{});
  pipeline.ingest_path(std::string(DMARCDB_SOURCE_DIR) + "/samples/reports");
  const auto week = *dmarc::report::parse_iso_week("2026-W47");
  const auto before = dmarc::report::previous(week);
  const auto summary = dmarc::report::build_summary(
      store.period_records(week.since, week.until),
      store.period_records(before.since, before.until), week, before, {});
  std::ostringstream html;
  dmarc::report::render_html(html, summary);
  return html.str();
}

std::string hostile_page() {
  using namespace dmarc::report;
  Summary summary;
  summary.period = *parse_iso_week("2026-W47");
  summary.previous = previous(summary.period);
  DomainSummary d;
  d.domain = k_script_payload + std::string(120, 'x') + ".example";  // long, unbreakable
  d.policy = k_img_payload;
  d.messages = d.rejected = 20;
  d.reporters[k_img_payload] = 20;
  d.daily[summary.period.since] = DailyVolume{.rejected = 20};
  for (const std::string& ip : {std::string("192.0.2.1"), "192.0.2.2" + k_attribute_payload}) {
    SourceSummary s;
    s.source_ip = ip;
    s.messages = s.rejected = 10;
    s.reporters = {k_img_payload, k_style_payload};
    s.header_from.insert(k_script_payload);
    s.envelope_from.insert(k_attribute_payload);
    s.spf_results[k_style_payload + "=fail"] = 10;
    s.diagnosis = Diagnosis::spf_not_authorised;
    s.advice = advice(s.diagnosis, k_style_payload, k_script_payload);
    s.why_delivered = k_img_payload;
    d.flagged.push_back(s);
    d.at_risk.push_back(s);
  }
  d.trend.new_sources = {k_script_payload};
  d.trend.stopped_sources = {k_img_payload};
  summary.domains.push_back(d);
  std::ostringstream html;
  render_html(html, summary);
  return html.str();
}

// Errors, warnings and CSP violations: a page without script logs nothing else.
std::string problems(const std::vector<LogEntry>& log) {
  std::string out;
  for (const LogEntry& e : log) {
    if (e.level == "SEVERE" || e.level == "WARNING" || e.source == "security" ||
        e.message.find("Content Security Policy") != std::string::npos) {
      out += "\n  " + e.level + " [" + e.source + "] " + e.message;
    }
  }
  return out;
}

std::string joined(const Json& list) {
  std::string out;
  for (const Json& item : list.array()) out += "\n  " + item.str();
  return out;
}

class HtmlPage : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    s_missing = HeadlessChromium::missing();
    if (!s_missing.empty()) return;
    char pattern[] = "/tmp/dmarcdb-html-page-XXXXXX";
    if (mkdtemp(pattern) == nullptr) {
      s_error = "mkdtemp failed";
      return;
    }
    s_pages = pattern;
    write_file(s_pages / "samples.html", samples_page());
    write_file(s_pages / "hostile.html", hostile_page());
  }

  // The browser's processes must all be gone once it is stopped.
  static void TearDownTestSuite() {
    if (s_browser) {
      const std::string scratch = s_browser->scratch().string();
      const pid_t group = s_browser->group();
      EXPECT_EQ(s_browser->stop(), "") << "browser processes outlived the session";
      EXPECT_TRUE(HeadlessChromium::processes(scratch, group).empty());
      s_browser.reset();
    }
    std::error_code ignored;
    if (!s_pages.empty()) fs::remove_all(s_pages, ignored);
    s_pages.clear();
  }

  // One browser serves all tests of a run; it starts with the first.
  void SetUp() override {
    require_browser();
    if (IsSkipped() || HasFatalFailure()) return;
    if (!s_browser) {
      auto started = HeadlessChromium::start();
      if (auto* error = std::get_if<std::string>(&started)) {
        s_error = *error;
      } else {
        s_browser = std::move(std::get<std::unique_ptr<HeadlessChromium>>(started));
      }
    }
    ASSERT_EQ(s_error, "");
  }

  static void require_browser() {
    if (!s_missing.empty()) {
      if (in_ci()) FAIL() << "the browser tests must run in CI: " << s_missing;
      GTEST_SKIP() << s_missing;
    }
    ASSERT_EQ(s_error, "");
  }

  static HeadlessChromium& browser() { return *s_browser; }

  // Loads a page at a viewport size, with an empty browser log.
  static void open(const std::string& page, const Viewport& viewport) {
    browser().take_log();
    browser().set_viewport(viewport.width, viewport.height, viewport.mobile);
    browser().navigate("file://" + (s_pages / page).string());
    ASSERT_EQ(browser().execute("return document.readyState").str(), "complete");
  }

  static void screenshot(const std::string& name) {
    if (const char* dir = std::getenv("DMARCDB_SCREENSHOT_DIR")) {
      fs::create_directories(dir);
      browser().save_full_page_png(fs::path(dir) / (name + ".png"));
    }
  }

  static void expect_flagged_sources_shown(const Viewport& viewport) {
    const Json rows = browser().execute(k_flagged_rows);
    ASSERT_TRUE(rows.is_array()) << viewport.name << ": no table.flagged";
    for (const Flagged& want : k_flagged) {
      const Json* found = nullptr;
      for (const Json& row : rows.array()) {
        if (row["source"].str() == want.ip) found = &row;
      }
      ASSERT_NE(found, nullptr) << viewport.name << ": " << want.ip << " not in table.flagged";
      EXPECT_TRUE((*found)["shown"].boolean()) << viewport.name << ": " << want.ip << " hidden";
      EXPECT_EQ((*found)["rejected"].str(), want.rejected) << viewport.name << ": " << want.ip;
      EXPECT_EQ((*found)["quarantined"].str(), want.quarantined)
          << viewport.name << ": " << want.ip;
    }
  }

  static inline std::string s_missing;
  static inline std::string s_error;
  static inline fs::path s_pages;
  static inline std::unique_ptr<HeadlessChromium> s_browser;
};

TEST_F(HtmlPage, SamplesPageShowsFlaggedSourcesAndChartsWithoutConsoleErrors) {
  for (const Viewport& viewport : {k_phones[0], k_phones[1], k_desktop}) {
    open("samples.html", viewport);
    EXPECT_EQ(browser().execute("return document.title").str(), "DMARC failure summary 2026-W47");
    expect_flagged_sources_shown(viewport);

    const Json charts = browser().execute(k_charts);
    const Json& daily = charts["daily"];
    const Json& sources = charts["sources"];
    ASSERT_TRUE(daily.is_object()) << viewport.name << ": no daily chart";
    ASSERT_TRUE(sources.is_object()) << viewport.name << ": no sources chart";
    EXPECT_GE(daily["shapes"].number(), 7) << viewport.name << ": a bar per day";
    EXPECT_GE(sources["shapes"].number(), 4) << viewport.name << ": a bar per flagged source";
    for (const Json* chart : {&daily, &sources}) {
      EXPECT_GT((*chart)["width"].number(), 200) << viewport.name;
      EXPECT_LE((*chart)["width"].number(), viewport.width) << viewport.name;
      EXPECT_GT((*chart)["height"].number(), 50) << viewport.name;
    }
    for (const Flagged& want : k_flagged) {
      EXPECT_NE(sources["text"].str().find(want.ip), std::string::npos) << want.ip;
    }
    EXPECT_EQ(problems(browser().take_log()), "") << viewport.name;
  }
}

TEST_F(HtmlPage, PhoneWidthHasNoSidewaysScrollAndTablesBecomeLabelledCards) {
  for (const Viewport& viewport : k_phones) {
    open("samples.html", viewport);
    screenshot("summary-" + std::string(viewport.name));
    const Json layout = browser().execute(k_layout);
    EXPECT_EQ(layout["inner"].number(), viewport.width) << viewport.name;
    EXPECT_LE(layout["scroll"].number(), layout["inner"].number()) << viewport.name;
    EXPECT_TRUE(layout["too_wide"].array().empty())
        << viewport.name << ": wider than the screen:" << joined(layout["too_wide"]);
    EXPECT_EQ(layout["scrolling_tables"].number(), 0) << viewport.name;
    EXPECT_EQ(layout["table_display"].str(), "block") << viewport.name << ": not cards";
    EXPECT_TRUE(layout["label_mismatches"].array().empty())
        << viewport.name << joined(layout["label_mismatches"]);
    EXPECT_LT(layout["tallest_card"].number(), viewport.height) << viewport.name;
    EXPECT_GE(layout["smallest_font"].number(), 13) << viewport.name;
  }
}

TEST_F(HtmlPage, WiderScreensNeverScrollSidewaysAndShowTablesAt1280) {
  for (const Viewport& viewport : k_tablets) {
    open("samples.html", viewport);
    const Json layout = browser().execute(k_layout);
    EXPECT_LE(layout["scroll"].number(), layout["inner"].number()) << viewport.name;
    EXPECT_EQ(layout["scrolling_tables"].number(), 0) << viewport.name;
    EXPECT_TRUE(layout["too_wide"].array().empty())
        << viewport.name << ": wider than the screen:" << joined(layout["too_wide"]);
  }
  open("samples.html", k_desktop);
  screenshot("summary-desktop-1280");
  const Json layout = browser().execute(k_layout);
  EXPECT_EQ(layout["table_display"].str(), "table");
  EXPECT_GT(layout["head_height"].number(), 10) << "column headings hidden";
  EXPECT_EQ(layout["cells_mismatch"].number(), 0);
  EXPECT_LE(layout["scroll"].number(), layout["inner"].number());
  EXPECT_EQ(layout["scrolling_tables"].number(), 0) << "a table scrolls sideways";
  EXPECT_TRUE(layout["too_wide"].array().empty()) << joined(layout["too_wide"]);
}

TEST_F(HtmlPage, HostileReportStringsRunNoScriptAndShowAsText) {
  for (const Viewport& viewport : {k_phones[0], k_desktop}) {
    open("hostile.html", viewport);
    screenshot("hostile-" + std::string(viewport.name));
    const Json state = browser().execute(k_hostile_state);
    EXPECT_EQ(state["pwned"].str(), "undefined") << viewport.name;
    EXPECT_EQ(state["scripts"].number(), 0) << viewport.name;
    EXPECT_EQ(state["handlers"].number(), 0) << viewport.name;
    EXPECT_EQ(state["images"].number(), 0) << viewport.name;
    EXPECT_EQ(state["svgs"].number(), state["labelled_svgs"].number()) << "only the charts";
    EXPECT_EQ(state["overflow"].number(), 0) << viewport.name;
    const std::string text = state["text"].str();
    for (const std::string& payload : {k_script_payload, k_img_payload, k_style_payload}) {
      EXPECT_NE(text.find(payload), std::string::npos) << payload << " not shown as text";
    }
    EXPECT_EQ(problems(browser().take_log()), "") << viewport.name;
  }
}

// Starts a browser of its own; the shared one is not needed.
class BrowserLifetime : public HtmlPage {
 protected:
  void SetUp() override { require_browser(); }
};

TEST_F(BrowserLifetime, StopLeavesNoBrowserOrDriverProcessBehind) {
  auto started = HeadlessChromium::start();
  ASSERT_TRUE(std::holds_alternative<std::unique_ptr<HeadlessChromium>>(started))
      << std::get<std::string>(started);
  auto& own = *std::get<std::unique_ptr<HeadlessChromium>>(started);
  own.navigate("file://" + (s_pages / "samples.html").string());
  const std::string scratch = own.scratch().string();
  const pid_t group = own.group();
  EXPECT_GE(HeadlessChromium::processes(scratch, group).size(), 2u) << "driver and browser";
  EXPECT_EQ(own.stop(), "");
  EXPECT_TRUE(HeadlessChromium::processes(scratch, group).empty());
  EXPECT_FALSE(fs::exists(scratch));
}

}  // namespace
