import FlattenProtocol
import Testing

@Suite("Typed label selectors")
struct LabelSelectorTextTests {
    @Test("KEY=VALUE pairs separated by commas; blanks ignored; a later key wins; = may be in a value")
    func parses() throws {
        #expect(try LabelSelectorText.parse("zone=a, gpu = yes") == ["zone": "a", "gpu": "yes"])
        #expect(try LabelSelectorText.parse("zone=a,zone=b") == ["zone": "b"])
        #expect(try LabelSelectorText.parse("expr=a=b") == ["expr": "a=b"])
        #expect(try LabelSelectorText.parse("empty=") == ["empty": ""])
    }

    @Test("a pair without = or without a key, and an empty pair, are named", arguments: [
        ("zone", "zone"), ("=a", "=a"), ("zone=a,", ""), ("", ""), ("zone=a,,gpu=yes", ""),
    ])
    func refuses(text: String, pair: String) {
        do {
            let labels = try LabelSelectorText.parse(text)
            Issue.record("\(String(reflecting: text)) parsed as \(labels)")
        } catch {
            #expect(error.pair == pair)
            #expect(error.description.contains("is not KEY=VALUE"))
        }
    }
}
