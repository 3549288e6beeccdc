#include "parse/aggregate_xml.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace dmarc::parse {
namespace {

constexpr std::string_view k_metadata =
    "<report_metadata><org_name>Example Org</org_name><email>dmarc@example.org</email>"
    "<report_id>r-1</report_id>"
    "<date_range><begin>1700000000</begin><end>1700086399</end></date_range>"
    "</report_metadata>";

constexpr std::string_view k_policy =
    "<policy_published><domain>example.com</domain><adkim>r</adkim><aspf>s</aspf>"
    "<p>reject</p><sp>quarantine</sp><pct>50</pct><fo>1</fo></policy_published>";

constexpr std::string_view k_row =
    "<row><source_ip>192.0.2.1</source_ip><count>3</count><policy_evaluated>"
    "<disposition>reject</disposition><dkim>fail</dkim><spf>fail</spf></policy_evaluated></row>";

constexpr std::string_view k_record_rest =
    "<identifiers><header_from>example.com</header_from></identifiers>"
    "<auth_results><spf><domain>example.net</domain><result>fail</result></spf></auth_results>";

std::string record(std::string_view row = k_row, std::string_view rest = k_record_rest) {
  return "<record>" + std::string(row) + std::string(rest) + "</record>";
}

std::string feedback(std::string_view body) {
  return "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<feedback>" + std::string(body) +
         "</feedback>";
}

std::string report(std::string_view metadata = k_metadata, std::string_view policy = k_policy,
                   const std::string& records = record()) {
  return feedback(std::string(metadata) + std::string(policy) + records);
}

std::string replaced(std::string text, std::string_view from, std::string_view to) {
  const auto pos = text.find(from);
  EXPECT_NE(pos, std::string::npos) << from;
  if (pos != std::string::npos) text.replace(pos, from.size(), to);
  return text;
}

std::string metadata_with_dates(std::string_view begin, std::string_view end) {
  const std::string dates =
      "<begin>" + std::string(begin) + "</begin><end>" + std::string(end) + "</end>";
  return replaced(std::string(k_metadata), "<begin>1700000000</begin><end>1700086399</end>", dates);
}

Expected<AggregateReport> parse(std::string_view xml, const Limits& limits = {}) {
  return parse_aggregate_report(xml, limits);
}

bool has_warning(const AggregateReport& r, std::string_view fragment) {
  for (const auto& w : r.warnings) {
    if (w.find(fragment) != std::string::npos) return true;
  }
  return false;
}

std::string warnings_of(const AggregateReport& r) {
  std::string all;
  for (const auto& w : r.warnings) all += w + "\n";
  return all;
}

TEST(AggregateXml, ReadsEveryFieldOfAFullReport) {
  const std::string xml = feedback(
      "<version>1.0</version>"
      "<report_metadata><org_name>Example Org</org_name><email>dmarc@example.org</email>"
      "<extra_contact_info>https://example.org/dmarc</extra_contact_info>"
      "<report_id>r-1</report_id>"
      "<date_range><begin>1700000000</begin><end>1700086399</end></date_range>"
      "<error>first problem</error><error>second problem</error>"
      "<generator>reporter 2.1</generator></report_metadata>"
      "<policy_published><domain>example.com</domain><adkim>r</adkim><aspf>s</aspf>"
      "<p>reject</p><sp>quarantine</sp><np>none</np><pct>50</pct><fo>1</fo>"
      "<testing>n</testing><discovery_method>treewalk</discovery_method></policy_published>"
      "<record><row><source_ip>2001:DB8::1</source_ip><count>7</count><policy_evaluated>"
      "<disposition>quarantine</disposition><dkim>pass</dkim><spf>fail</spf>"
      "<reason><type>forwarded</type><comment>list</comment></reason>"
      "<reason><type>local_policy</type></reason></policy_evaluated></row>"
      "<identifiers><envelope_to>example.net</envelope_to><envelope_from>bounce.example.com"
      "</envelope_from><header_from>example.com</header_from></identifiers>"
      "<auth_results><dkim><domain>example.com</domain><selector>s1</selector>"
      "<result>pass</result><human_result>good</human_result></dkim>"
      "<spf><domain>bounce.example.com</domain><scope>mfrom</scope><result>softfail</result>"
      "</spf></auth_results></record>");
  const auto r = parse(xml);
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(r->schema, SchemaVersion::rfc7489);
  EXPECT_EQ(r->version, "1.0");
  EXPECT_EQ(r->metadata.org_name, "Example Org");
  EXPECT_EQ(r->metadata.email, "dmarc@example.org");
  EXPECT_EQ(r->metadata.extra_contact_info, "https://example.org/dmarc");
  EXPECT_EQ(r->metadata.report_id, "r-1");
  EXPECT_EQ(r->metadata.date_range, (DateRange{1700000000, 1700086399}));
  EXPECT_EQ(r->metadata.errors, (std::vector<std::string>{"first problem", "second problem"}));
  EXPECT_EQ(r->metadata.generator, "reporter 2.1");

  const PolicyPublished policy{"example.com", "r", "s", "reject", "quarantine",
                               "none",        50,  "1", "n",      "treewalk"};
  EXPECT_EQ(r->policy, policy);

  ASSERT_EQ(r->records.size(), 1u);
  Record expected;
  expected.source_ip = "2001:db8::1";
  expected.count = 7;
  expected.disposition = "quarantine";
  expected.dkim = "pass";
  expected.spf = "fail";
  expected.reasons = {{"forwarded", "list"}, {"local_policy", std::nullopt}};
  expected.header_from = "example.com";
  expected.envelope_from = "bounce.example.com";
  expected.envelope_to = "example.net";
  expected.dkim_results = {{"example.com", "s1", "pass", "good"}};
  expected.spf_results = {{"bounce.example.com", "mfrom", "softfail", std::nullopt}};
  EXPECT_EQ(r->records[0], expected);
  EXPECT_EQ(r->extensions, std::nullopt);
  EXPECT_TRUE(r->warnings.empty()) << warnings_of(*r);
}

TEST(AggregateXml, AcceptsUtf8BomAndLeadingWhitespace) {
  const auto r = parse("\xEF\xBB\xBF \r\n\t" + report());
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(r->metadata.report_id, "r-1");
}

TEST(AggregateXml, ConvertsDeclaredWindows1252ToUtf8) {
  std::string xml = replaced(report(), "encoding=\"UTF-8\"", "encoding=\"Windows-1252\"");
  xml = replaced(xml, "Example Org", "Caf\xE9 \x93Quote\x94 \x80");
  const auto r = parse(xml);
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(r->metadata.org_name, "Caf\u00E9 \u201CQuote\u201D \u20AC");
}

TEST(AggregateXml, ConvertsDeclaredLatin1ToUtf8) {
  std::string xml = replaced(report(), "encoding=\"UTF-8\"", "encoding='iso-8859-1'");
  xml = replaced(xml, "Example Org", "M\xFCller");
  const auto r = parse(xml);
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(r->metadata.org_name, "M\u00FCller");
}

TEST(AggregateXml, ConvertsUtf16WithBom) {
  const std::string utf8 =
      replaced(replaced(report(), "UTF-8", "UTF-16"), "Example Org", "Org \u00E9");
  std::string utf16 = "\xFF\xFE";
  for (std::size_t i = 0; i < utf8.size(); ++i) {
    const auto b = static_cast<unsigned char>(utf8[i]);
    if (b == 0xC3) {  // the one two-byte sequence: U+00E9
      utf16 += static_cast<char>(0xE9);
      ++i;
    } else {
      utf16 += static_cast<char>(b);
    }
    utf16 += '\0';
  }
  const auto r = parse(utf16);
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(r->metadata.org_name, "Org \u00E9");
}

TEST(AggregateXml, ReadsUnknownEncodingAsWindows1252WhenNotUtf8AndWarns) {
  std::string xml = replaced(report(), "encoding=\"UTF-8\"", "encoding=\"x-made-up\"");
  xml = replaced(xml, "Example Org", "Org\x92s");
  const auto r = parse(xml);
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(r->metadata.org_name, "Org\u2019s");
  EXPECT_TRUE(has_warning(*r, "x-made-up")) << warnings_of(*r);
}

TEST(AggregateXml, ReadsUnknownEncodingAsUtf8WhenValid) {
  std::string xml = replaced(report(), "encoding=\"UTF-8\"", "encoding=\"x-made-up\"");
  xml = replaced(xml, "Example Org", "Org \u00E9");
  const auto r = parse(xml);
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(r->metadata.org_name, "Org \u00E9");
}

TEST(AggregateXml, ParsesBogusXmlDeclarations) {
  const std::string body = report().substr(report().find("<feedback>"));
  for (const std::string& declaration :
       {std::string("<?xml version='1.0' encoding='utf-8'?>"),
        std::string("<?XML VERSION = \"1.0\" ENCODING = \"UTF8\" ?>"),
        std::string("\n\n   <?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>"),
        std::string("<?xml version=1.0 encoding=utf-8?>"), std::string("<?xml?>"),
        std::string("<!-- generated --><?xml version=\"1.0\"?>"), std::string("")}) {
    const auto r = parse(declaration + "\n" + body);
    ASSERT_TRUE(r) << declaration << ": " << r.error().message;
    EXPECT_EQ(r->metadata.report_id, "r-1") << declaration;
  }
}

TEST(AggregateXml, NormalisesCrLfLineEndings) {
  std::string xml = replaced(report(), "Example Org", "Example\r\nOrg");
  const auto r = parse(xml);
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(r->metadata.org_name, "Example\nOrg");
}

TEST(AggregateXml, MatchesPrefixedElementsByLocalName) {
  std::string xml = report();
  // Prefix every element name: <x> -> <dmarc:x>, </x> -> </dmarc:x>.
  std::string prefixed;
  for (std::size_t i = 0; i < xml.size(); ++i) {
    prefixed += xml[i];
    if (xml[i] == '<' && i + 1 < xml.size() && xml[i + 1] != '?') {
      if (xml[i + 1] == '/') prefixed += xml[++i];
      prefixed += "dmarc:";
    }
  }
  prefixed = replaced(prefixed, "<dmarc:feedback>",
                      "<dmarc:feedback xmlns:dmarc=\"urn:ietf:params:xml:ns:dmarc-2.0\">");
  const auto r = parse(prefixed);
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(r->schema, SchemaVersion::dmarcbis);
  EXPECT_EQ(r->metadata.org_name, "Example Org");
  EXPECT_EQ(r->policy.domain, "example.com");
  ASSERT_EQ(r->records.size(), 1u);
  EXPECT_EQ(r->records[0].count, 3u);
  EXPECT_EQ(r->records[0].spf_results.size(), 1u);
}

TEST(AggregateXml, DetectsSchemaFromNamespaceOrVersion) {
  struct Case {
    std::string root;
    std::string version;
    SchemaVersion expected;
  };
  const std::vector<Case> cases = {
      {"<feedback xmlns=\"urn:ietf:params:xml:ns:dmarc-2.0\">", "", SchemaVersion::dmarcbis},
      {"<feedback xmlns=\" urn:ietf:params:xml:ns:dmarc-2.0 \">", "1.0", SchemaVersion::dmarcbis},
      {"<feedback xmlns=\"http://dmarc.org/dmarc-xml/0.2\">", "", SchemaVersion::dmarcbis},
      {"<feedback>", "<version>2.0</version>", SchemaVersion::dmarcbis},
      {"<feedback>", "<version> 2 </version>", SchemaVersion::dmarcbis},
      {"<feedback>", "<version>1.0</version>", SchemaVersion::rfc7489},
      {"<feedback>", "<version>20</version>", SchemaVersion::rfc7489},
      {"<feedback>", "", SchemaVersion::rfc7489},
      {"<feedback xmlns=\"http://dmarc.org/dmarc-xml/0.1\">", "<version>2.0</version>",
       SchemaVersion::rfc7489},
      // A prefix declared but not used by the root does not count.
      {"<feedback xmlns:d=\"urn:ietf:params:xml:ns:dmarc-2.0\">", "", SchemaVersion::rfc7489},
  };
  for (const Case& c : cases) {
    const std::string xml = replaced(report(), "<feedback>", c.root + c.version);
    const auto r = parse(xml);
    ASSERT_TRUE(r) << c.root << c.version << ": " << r.error().message;
    EXPECT_EQ(r->schema, c.expected) << c.root << c.version;
  }
}

TEST(AggregateXml, KeepsVersionText) {
  const auto r = parse(replaced(report(), "<feedback>", "<feedback><version> 0.1 </version>"));
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(r->version, "0.1");
}

TEST(AggregateXml, TreatsEmptyAndWhitespaceElementsAsAbsent) {
  const std::string metadata = replaced(std::string(k_metadata), "<email>dmarc@example.org</email>",
                                        "<email> \n </email><extra_contact_info/>");
  const std::string policy = replaced(std::string(k_policy), "<sp>quarantine</sp>", "<sp></sp>");
  const std::string row = replaced(std::string(k_row), "<dkim>fail</dkim>", "<dkim>  </dkim>");
  const auto r = parse(report(metadata, policy, record(row)));
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(r->metadata.email, std::nullopt);
  EXPECT_EQ(r->metadata.extra_contact_info, std::nullopt);
  EXPECT_EQ(r->policy.sp, std::nullopt);
  EXPECT_EQ(r->records[0].dkim, std::nullopt);
}

TEST(AggregateXml, TrimsTextAndJoinsCdataAndTextAroundComments) {
  const std::string metadata =
      replaced(std::string(k_metadata), "<org_name>Example Org</org_name>",
               "<org_name>\n  Exa<!-- c --><![CDATA[mple]]> &amp; Co\t</org_name>");
  const auto r = parse(report(metadata));
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(r->metadata.org_name, "Example & Co");
}

TEST(AggregateXml, StripsAngleBracketsAroundReportId) {
  const std::string metadata = replaced(std::string(k_metadata), "<report_id>r-1</report_id>",
                                        "<report_id> &lt;abc@example.org&gt; </report_id>");
  const auto r = parse(report(metadata));
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(r->metadata.report_id, "abc@example.org");
}

TEST(AggregateXml, TruncatesFractionalTimestampsAndTrimsThem) {
  const auto r = parse(report(metadata_with_dates(" 1538413632.123 ", "\n1538500000.999999\n")));
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(r->metadata.date_range, (DateRange{1538413632, 1538500000}));
}

TEST(AggregateXml, KeepsBeginAfterEndWithWarning) {
  const auto r = parse(report(metadata_with_dates("1700086399", "1700000000")));
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(r->metadata.date_range, (DateRange{1700086399, 1700000000}));
  EXPECT_TRUE(has_warning(*r, "feedback/report_metadata/date_range")) << warnings_of(*r);
}

TEST(AggregateXml, DropsPctOutOfRangeOrNotANumberWithWarning) {
  for (std::string_view pct : {"101", "-1", "abc", "50%", "99999999999999999999999"}) {
    const std::string policy =
        replaced(std::string(k_policy), "<pct>50</pct>", "<pct>" + std::string(pct) + "</pct>");
    const auto r = parse(report(k_metadata, policy));
    ASSERT_TRUE(r) << pct << ": " << r.error().message;
    EXPECT_EQ(r->policy.pct, std::nullopt) << pct;
    EXPECT_TRUE(has_warning(*r, "feedback/policy_published/pct")) << warnings_of(*r);
  }
  for (std::string_view pct : {"0", "100", " 7 "}) {
    const std::string policy =
        replaced(std::string(k_policy), "<pct>50</pct>", "<pct>" + std::string(pct) + "</pct>");
    const auto r = parse(report(k_metadata, policy));
    ASSERT_TRUE(r) << r.error().message;
    EXPECT_TRUE(r->policy.pct.has_value()) << pct;
  }
}

TEST(AggregateXml, LowerCasesVerdicts) {
  const std::string policy =
      "<policy_published><domain>Example.COM</domain><adkim>R</adkim><aspf>S</aspf><p>Reject"
      "</p><sp>NONE</sp><np>Quarantine</np><testing>Y</testing>"
      "<discovery_method>PSL</discovery_method></policy_published>";
  const std::string row =
      "<row><source_ip>192.0.2.1</source_ip><count>1</count><policy_evaluated>"
      "<disposition>None</disposition><dkim>Pass</dkim><spf>FAIL</spf>"
      "<reason><type>Forwarded</type><comment>Keep Case</comment></reason>"
      "</policy_evaluated></row>";
  const std::string rest =
      "<auth_results><dkim><domain>Example.com</domain><result>PermError</result></dkim>"
      "<spf><domain>Example.com</domain><scope>MFROM</scope><result>SoftFail</result></spf>"
      "</auth_results>";
  const auto r = parse(report(k_metadata, policy, record(row, rest)));
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(r->policy.domain, "Example.COM");
  EXPECT_EQ(r->policy.adkim, "r");
  EXPECT_EQ(r->policy.aspf, "s");
  EXPECT_EQ(r->policy.p, "reject");
  EXPECT_EQ(r->policy.sp, "none");
  EXPECT_EQ(r->policy.np, "quarantine");
  EXPECT_EQ(r->policy.testing, "y");
  EXPECT_EQ(r->policy.discovery_method, "psl");
  const Record& rec = r->records[0];
  EXPECT_EQ(rec.disposition, "none");
  EXPECT_EQ(rec.dkim, "pass");
  EXPECT_EQ(rec.spf, "fail");
  ASSERT_EQ(rec.reasons.size(), 1u);
  EXPECT_EQ(rec.reasons[0].type, "forwarded");
  EXPECT_EQ(rec.reasons[0].comment, "Keep Case");
  EXPECT_EQ(rec.dkim_results[0].result, "permerror");
  EXPECT_EQ(rec.dkim_results[0].domain, "Example.com");
  EXPECT_EQ(rec.spf_results[0].scope, "mfrom");
  EXPECT_EQ(rec.spf_results[0].result, "softfail");
}

TEST(AggregateXml, NormalisesSourceIp) {
  const std::string row = replaced(std::string(k_row), "192.0.2.1", " ::FFFF:198.51.100.7 ");
  const auto r = parse(report(k_metadata, k_policy, record(row)));
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(r->records[0].source_ip, "198.51.100.7");
}

TEST(AggregateXml, DropsInvalidSourceIpWithWarningNamingRecord) {
  const std::string bad = replaced(std::string(k_row), "192.0.2.1", "1.2.3");
  const auto r = parse(report(k_metadata, k_policy, record() + record(bad)));
  ASSERT_TRUE(r) << r.error().message;
  ASSERT_EQ(r->records.size(), 2u);
  EXPECT_EQ(r->records[0].source_ip, "192.0.2.1");
  EXPECT_EQ(r->records[1].source_ip, std::nullopt);
  EXPECT_EQ(r->records[1].count, 3u);
  EXPECT_TRUE(has_warning(*r, "record[2]/row/source_ip \"1.2.3\"")) << warnings_of(*r);
}

TEST(AggregateXml, AcceptsIdentitiesAsAliasOfIdentifiers) {
  const auto r = parse(report(k_metadata, k_policy,
                              record(k_row,
                                     "<identities><header_from>example.com</header_from>"
                                     "<envelope_from>example.org</envelope_from></identities>")));
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(r->records[0].header_from, "example.com");
  EXPECT_EQ(r->records[0].envelope_from, "example.org");
}

TEST(AggregateXml, KeepsAuthResultsInDocumentOrder) {
  const std::string rest =
      "<auth_results><dkim><domain>a.example</domain><result>pass</result></dkim>"
      "<spf><domain>s1.example</domain><result>fail</result></spf>"
      "<dkim><domain>b.example</domain><selector>sel</selector><result>fail</result></dkim>"
      "<spf><domain>s2.example</domain><scope>helo</scope><result>pass</result></spf>"
      "</auth_results>";
  const auto r = parse(report(k_metadata, k_policy, record(k_row, rest)));
  ASSERT_TRUE(r) << r.error().message;
  const Record& rec = r->records[0];
  ASSERT_EQ(rec.dkim_results.size(), 2u);
  EXPECT_EQ(rec.dkim_results[0].domain, "a.example");
  EXPECT_EQ(rec.dkim_results[1].domain, "b.example");
  EXPECT_EQ(rec.dkim_results[1].selector, "sel");
  ASSERT_EQ(rec.spf_results.size(), 2u);
  EXPECT_EQ(rec.spf_results[0].domain, "s1.example");
  EXPECT_EQ(rec.spf_results[1].scope, "helo");
}

TEST(AggregateXml, SerialisesExtensionsAsRawXml) {
  const std::string rest = std::string(k_record_rest) +
                           "<extension><x:a xmlns:x=\"urn:x\" k=\"v\">1 &amp; 2</x:a></extension>"
                           "<extension>\n  <b/>\n</extension>";
  const std::string xml = replaced(report(k_metadata, k_policy, record(k_row, rest)), "</feedback>",
                                   "<extension><arc>yes</arc></extension></feedback>");
  const auto r = parse(xml);
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(r->records[0].extensions,
            "<extension><x:a xmlns:x=\"urn:x\" k=\"v\">1 &amp; 2</x:a></extension>"
            "<extension><b/></extension>");
  EXPECT_EQ(r->extensions, "<extension><arc>yes</arc></extension>");
}

TEST(AggregateXml, IgnoresElementOrder) {
  const std::string xml = feedback(
      "<record><auth_results><spf><result>fail</result><domain>example.net</domain></spf>"
      "</auth_results><identifiers><header_from>example.com</header_from></identifiers>"
      "<row><policy_evaluated><spf>fail</spf><dkim>fail</dkim><disposition>reject</disposition>"
      "</policy_evaluated><count>3</count><source_ip>192.0.2.1</source_ip></row></record>"
      "<policy_published><fo>1</fo><pct>50</pct><sp>quarantine</sp><p>reject</p><aspf>s</aspf>"
      "<adkim>r</adkim><domain>example.com</domain></policy_published>"
      "<report_metadata><date_range><end>1700086399</end><begin>1700000000</begin></date_range>"
      "<report_id>r-1</report_id><email>dmarc@example.org</email><org_name>Example Org"
      "</org_name></report_metadata>");
  const auto shuffled = parse(xml);
  const auto ordered = parse(report());
  ASSERT_TRUE(shuffled) << shuffled.error().message;
  ASSERT_TRUE(ordered) << ordered.error().message;
  EXPECT_EQ(*shuffled, *ordered);
}

TEST(AggregateXml, AllowsMissingOrgNameAndPolicyWithWarnings) {
  const std::string metadata =
      replaced(std::string(k_metadata), "<org_name>Example Org</org_name>", "");
  const auto r = parse(report(metadata, ""));
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(r->metadata.org_name, std::nullopt);
  EXPECT_EQ(r->policy, PolicyPublished{});
  EXPECT_TRUE(has_warning(*r, "feedback/report_metadata/org_name is missing")) << warnings_of(*r);
  EXPECT_TRUE(has_warning(*r, "feedback/policy_published is missing")) << warnings_of(*r);
}

TEST(AggregateXml, AllowsMissingPolicyDomainWithWarning) {
  const std::string policy =
      replaced(std::string(k_policy), "<domain>example.com</domain>", "<domain/>");
  const auto r = parse(report(k_metadata, policy));
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(r->policy.domain, std::nullopt);
  EXPECT_EQ(r->policy.p, "reject");
  EXPECT_TRUE(has_warning(*r, "feedback/policy_published/domain is missing")) << warnings_of(*r);
}

TEST(AggregateXml, UsesFirstOfRepeatedElementWithWarning) {
  const std::string metadata = replaced(std::string(k_metadata), "<report_id>r-1</report_id>",
                                        "<report_id>r-1</report_id><report_id>r-2</report_id>");
  const auto r = parse(report(metadata));
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(r->metadata.report_id, "r-1");
  EXPECT_TRUE(has_warning(*r, "feedback/report_metadata/report_id appears more than once"))
      << warnings_of(*r);
}

TEST(AggregateXml, DropsReasonWithoutTypeWithWarning) {
  const std::string row = replaced(std::string(k_row), "</policy_evaluated>",
                                   "<reason><comment>why</comment></reason></policy_evaluated>");
  const auto r = parse(report(k_metadata, k_policy, record(row)));
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_TRUE(r->records[0].reasons.empty());
  EXPECT_TRUE(has_warning(*r, "reason[1]/type is missing")) << warnings_of(*r);
}

TEST(AggregateXml, AcceptsLargestCount) {
  const std::string row =
      replaced(std::string(k_row), "<count>3</count>", "<count> 9223372036854775807 </count>");
  const auto r = parse(report(k_metadata, k_policy, record(row)));
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(r->records[0].count, 9223372036854775807u);
}

TEST(AggregateXml, AcceptsDoctypeWithoutEntities) {
  const std::string xml = replaced(report(), "<feedback>", "<!DOCTYPE feedback><feedback>");
  const auto r = parse(xml);
  ASSERT_TRUE(r) << r.error().message;
}

TEST(AggregateXml, ReportsLineAndColumnOfSyntaxError) {
  const auto r = parse("<feedback>\n  <report_metadata>\n</feedback>");
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, Code::malformed);
  EXPECT_NE(r.error().message.find("line 3"), std::string::npos) << r.error().message;
  EXPECT_NE(r.error().message.find("byte offset"), std::string::npos) << r.error().message;
}

TEST(AggregateXml, WalksTenThousandDeepDocumentWithinRaisedLimit) {
  std::string deep;
  for (int i = 0; i < 10000; ++i) deep += "<x>";
  for (int i = 0; i < 10000; ++i) deep += "</x>";
  const std::string xml =
      replaced(report(), "</feedback>", "<extension>" + deep + "</extension></feedback>");
  Limits limits;
  limits.max_xml_depth = 20000;
  const auto r = parse(xml, limits);
  ASSERT_TRUE(r) << r.error().message;
  ASSERT_TRUE(r->extensions);
  std::string expected = "<extension>";
  for (int i = 1; i < 10000; ++i) expected += "<x>";
  expected += "<x/>";
  for (int i = 1; i < 10000; ++i) expected += "</x>";
  EXPECT_EQ(*r->extensions, expected + "</extension>");
}

std::string nested(int depth) {
  std::string xml = "<feedback>";
  for (int i = 0; i < depth; ++i) xml += "<a>";
  for (int i = 0; i < depth; ++i) xml += "</a>";
  return xml + "</feedback>";
}

std::string billion_laughs() {
  std::string xml = "<?xml version=\"1.0\"?>\n<!DOCTYPE feedback [\n <!ENTITY lol \"lol\">\n";
  for (int i = 1; i <= 9; ++i) {
    xml += " <!ENTITY lol" + std::to_string(i) + " \"";
    for (int k = 0; k < 10; ++k)
      xml += "&lol" + (i == 1 ? std::string() : std::to_string(i - 1)) + ";";
    xml += "\">\n";
  }
  return xml +
         "]>\n<feedback><report_metadata><org_name>&lol9;</org_name></report_metadata>"
         "</feedback>";
}

struct Hostile {
  std::string name;
  std::string input;
  Code code;
  std::string fragment;
  Limits limits = {};
};

Limits with_max_records(std::uint64_t n) {
  Limits limits;
  limits.max_records = n;
  return limits;
}

Limits with_max_xml_bytes(std::uint64_t n) {
  Limits limits;
  limits.max_xml_bytes = n;
  return limits;
}

std::string with_count(std::string_view count, int records_before = 0) {
  std::string records;
  for (int i = 0; i < records_before; ++i) records += record();
  const std::string row =
      replaced(std::string(k_row), "<count>3</count>", "<count>" + std::string(count) + "</count>");
  return report(k_metadata, k_policy, records + record(row));
}

TEST(AggregateXml, RejectsHostileInput) {
  const std::vector<Hostile> cases = {
      {"not xml", "this is not XML at all", Code::malformed, "not well-formed"},
      {"empty", "", Code::malformed, "No document element"},
      {"unclosed", "<feedback><report_metadata>", Code::malformed, "not well-formed"},
      {"wrong root", "<?xml version=\"1.0\"?><html><body/></html>", Code::not_aggregate,
       "root element is <html>, not <feedback>"},
      {"prefixed wrong root", "<x:report xmlns:x=\"urn:x\"/>", Code::not_aggregate,
       "root element is <x:report>"},
      {"two roots", report() + "<feedback/>", Code::malformed, "more than one root element"},
      {"missing report_id",
       report(replaced(std::string(k_metadata), "<report_id>r-1</report_id>", "")),
       Code::missing_field, "feedback/report_metadata/report_id is missing"},
      {"empty report_id <>", report(replaced(std::string(k_metadata), "r-1", "&lt; &gt;")),
       Code::missing_field, "feedback/report_metadata/report_id is missing"},
      {"missing report_metadata", report("", k_policy), Code::missing_field,
       "feedback/report_metadata/report_id is missing"},
      {"missing date_range/begin",
       report(replaced(std::string(k_metadata), "<begin>1700000000</begin>", "")),
       Code::missing_field, "feedback/report_metadata/date_range/begin is missing"},
      {"missing date_range",
       report(replaced(std::string(k_metadata),
                       "<date_range><begin>1700000000</begin><end>1700086399</end></date_range>",
                       "")),
       Code::missing_field, "feedback/report_metadata/date_range/begin is missing"},
      {"missing date_range/end",
       report(replaced(std::string(k_metadata), "<end>1700086399</end>", "<end> </end>")),
       Code::missing_field, "feedback/report_metadata/date_range/end is missing"},
      {"non-numeric date", report(metadata_with_dates("yesterday", "1700086399")), Code::malformed,
       "feedback/report_metadata/date_range/begin \"yesterday\""},
      {"negative date", report(metadata_with_dates("1700000000", "-5")), Code::malformed,
       "feedback/report_metadata/date_range/end \"-5\" is not a number"},
      {"date with garbage fraction", report(metadata_with_dates("17.5e3", "1700086399")),
       Code::malformed, "date_range/begin \"17.5e3\""},
      {"date beyond 64 bits", report(metadata_with_dates("1", "99999999999999999999")),
       Code::malformed, "date_range/end \"99999999999999999999\" is out of range"},
      {"missing count", with_count("", 2), Code::missing_field,
       "feedback/record[3]/row/count is missing"},
      {"missing row",
       report(k_metadata, k_policy,
              record() + "<record>" + std::string(k_record_rest) + "</record>"),
       Code::missing_field, "feedback/record[2]/row/count is missing"},
      {"negative count", with_count("-1"), Code::malformed,
       "feedback/record[1]/row/count \"-1\" is not an unsigned integer"},
      {"fractional count", with_count("1.5"), Code::malformed,
       "feedback/record[1]/row/count \"1.5\" is not an unsigned integer"},
      {"count beyond 64 bits", with_count("18446744073709551616", 1), Code::malformed,
       "feedback/record[2]/row/count \"18446744073709551616\" is out of range"},
      {"count beyond INT64_MAX", with_count("9223372036854775808"), Code::malformed,
       "count \"9223372036854775808\" is out of range (max 9223372036854775807)"},
      {"long count value is clipped", with_count(std::string(500, 'x')), Code::malformed,
       "count \"" + std::string(60, 'x') + "...\""},
      {"billion laughs", billion_laughs(), Code::malformed, "<!ENTITY"},
      {"external entity",
       "<!DOCTYPE feedback [<!ENTITY x SYSTEM \"file:///etc/passwd\">]><feedback>&x;</feedback>",
       Code::malformed, "<!ENTITY"},
      {"deep nesting", nested(300), Code::too_large, "max_xml_depth (256)"},
      {"deep nesting with small limit", nested(5), Code::too_large, "max_xml_depth (4)",
       [] {
         Limits limits;
         limits.max_xml_depth = 4;
         return limits;
       }()},
      {"records over max_records", report(k_metadata, k_policy, record() + record() + record()),
       Code::too_large, "max_records (2)", with_max_records(2)},
      {"over max_xml_bytes", report(), Code::too_large, "exceeds max_xml_bytes (100)",
       with_max_xml_bytes(100)},
      {"invalid UTF-8 declared utf-8", replaced(report(), "Example Org", "Example \xC3\x28"),
       Code::malformed, "invalid UTF-8 at byte offset"},
      {"invalid UTF-8 undeclared", "<feedback>\xFF</feedback>", Code::malformed,
       "invalid UTF-8 at byte offset 10 (0xFF)"},
      {"NUL bytes", replaced(report(), "Example Org", std::string("Exa\0mple", 8)), Code::malformed,
       "NUL byte at offset"},
      {"UTF-16 unpaired surrogate", std::string("\xFF\xFE<\0\x00\xD8", 6), Code::malformed,
       "surrogate"},
  };
  for (const Hostile& c : cases) {
    const auto r = parse(c.input, c.limits);
    ASSERT_FALSE(r) << c.name;
    EXPECT_EQ(r.error().code, c.code) << c.name << ": " << r.error().message;
    EXPECT_NE(r.error().message.find(c.fragment), std::string::npos)
        << c.name << ": " << r.error().message;
  }
}

TEST(AggregateXml, NamesRepeatedRecordsAndCountsThoseAfterTheTenth) {
  const std::string other = replaced(record(), "192.0.2.1", "192.0.2.2");
  std::string records = record() + other;
  for (int i = 0; i < 12; ++i) records += (i % 2 == 0) ? record() : other;
  const auto r = parse(report(k_metadata, k_policy, records));
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(r->records.size(), 14u);
  EXPECT_TRUE(has_warning(*r, "feedback/record[3] repeats feedback/record[1]; both are kept"))
      << warnings_of(*r);
  EXPECT_TRUE(has_warning(*r, "feedback/record[4] repeats feedback/record[2]; both are kept"))
      << warnings_of(*r);
  EXPECT_TRUE(has_warning(*r, "feedback/record[12] repeats feedback/record[2]"))
      << warnings_of(*r);
  EXPECT_FALSE(has_warning(*r, "feedback/record[13] repeats")) << warnings_of(*r);
  EXPECT_EQ(r->warnings.back(), "2 more records repeat earlier ones");
}

TEST(AggregateXml, DoesNotNameRecordsThatDifferOnlyInAuthResults) {
  const std::string other = replaced(record(), "<result>fail</result>", "<result>pass</result>");
  const auto r = parse(report(k_metadata, k_policy, record() + other));
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_FALSE(has_warning(*r, "repeats")) << warnings_of(*r);
}

// The depth check walks a <record> only when its size allows the nesting:
// the limit holds exactly for small and for large (padded) records.
TEST(AggregateXml, AppliesDepthLimitExactlyWhateverTheRecordSize) {
  constexpr std::uint32_t k_limit = 40;
  for (const std::string& padding : {std::string(), std::string(5000, ' ')}) {
    for (std::uint32_t depth : {k_limit, k_limit + 1}) {
      // <feedback> (1) <record> (2) <extension> (3) then a chain to depth.
      std::string chain;
      for (std::uint32_t i = 4; i <= depth; ++i) chain += "<x>";
      for (std::uint32_t i = 4; i <= depth; ++i) chain += "</x>";
      const std::string rest = std::string(k_record_rest) + "<extension>" + padding + chain +
                               "</extension>";
      Limits limits;
      limits.max_xml_depth = k_limit;
      const auto r = parse(report(k_metadata, k_policy, record(k_row, rest) + record()), limits);
      if (depth <= k_limit) {
        EXPECT_TRUE(r) << "depth " << depth << ": " << r.error().message;
      } else {
        ASSERT_FALSE(r) << "depth " << depth;
        EXPECT_EQ(r.error().code, Code::too_large);
        EXPECT_EQ(r.error().message, "XML nesting depth exceeds max_xml_depth (40)");
      }
    }
  }
}

TEST(AggregateXml, AppliesDepthLimitOfOneToTheRootsChildren) {
  Limits limits;
  limits.max_xml_depth = 1;
  const auto r = parse(report(), limits);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, Code::too_large);
  limits.max_xml_depth = 0;
  EXPECT_FALSE(parse("<feedback/>", limits));
  limits.max_xml_depth = 1;
  const auto lone_root = parse("<feedback/>", limits);
  ASSERT_FALSE(lone_root);
  EXPECT_EQ(lone_root.error().code, Code::missing_field) << lone_root.error().message;
}

// parse_aggregate_report(std::string&&) returns exactly what the view
// overload returns: records, warnings and errors, for every encoding.
TEST(AggregateXml, ConsumingOverloadMatchesViewOverload) {
  const std::string full = report();
  std::string utf16 = "\xFF\xFE";
  for (char c : full) {
    utf16 += c;
    utf16 += '\0';
  }
  const std::vector<std::string> inputs = {
      full,
      "\xEF\xBB\xBF" + full,
      replaced(report(), "UTF-8", "windows-1252") + "<!-- \x93x\x94 -->",
      replaced(replaced(report(), "UTF-8", "ISO-8859-1"), "Example Org", "Caf\xE9"),
      replaced(report(), "UTF-8", "bogus"),
      replaced(replaced(report(), "UTF-8", "bogus"), "Example Org", "\x92"),
      utf16,
      replaced(report(), "Example Org", "Example \xC3\x28"),
      "\xEF\xBB\xBF<feedback>\n<report_metadata>\n</feedback>",
      replaced(report(), "<feedback>", "<!DOCTYPE feedback [<!ENTITY x \"y\">]><feedback>"),
      nested(300),
      "<html/>",
      report(k_metadata, k_policy, record() + record() + record()),
      with_count("x", 2),
  };
  for (const std::string& input : inputs) {
    const auto from_view = parse(input);
    std::string owned = input;
    const auto from_owned = parse_aggregate_report(std::move(owned), Limits{});
    ASSERT_EQ(from_view.has_value(), from_owned.has_value()) << input;
    if (from_view) {
      EXPECT_EQ(*from_view, *from_owned) << input;
    } else {
      EXPECT_EQ(from_view.error().code, from_owned.error().code) << input;
      EXPECT_EQ(from_view.error().message, from_owned.error().message) << input;
    }
  }
}

TEST(AggregateXml, ConsumingOverloadRefusesTooLargeDocument) {
  std::string xml = report();
  const std::size_t size = xml.size();
  const auto r = parse_aggregate_report(std::move(xml), with_max_xml_bytes(size - 1));
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, Code::too_large);
  EXPECT_EQ(r.error().message, "XML document of " + std::to_string(size) +
                                  " bytes exceeds max_xml_bytes (" + std::to_string(size - 1) +
                                  ")");
}

TEST(AggregateXml, NamesInputOffsetOfInvalidUtf8) {
  const std::string xml = replaced(report(), "Example Org", "Example \xC3\x28");
  const auto r = parse(xml);
  ASSERT_FALSE(r);
  const std::string expected = "byte offset " + std::to_string(xml.find('\xC3'));
  EXPECT_NE(r.error().message.find(expected), std::string::npos) << r.error().message;
}

}  // namespace
}  // namespace dmarc::parse
