import XCTest
@testable import KubeAPI
import KubeJSON

final class SelectorTests: XCTestCase {
    private let qualifiedNameRegexError =
        "must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')"
    private let labelValueRegexError =
        "a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyValue',  or 'my_value',  or '12345', regex used for validation is '(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')"

    private func parseError(_ text: String, file: StaticString = #filePath, line: UInt = #line) -> String? {
        do {
            let selector = try LabelSelector.parse(text)
            XCTFail("expected \(text) to fail, got \(selector)", file: file, line: line)
            return nil
        } catch {
            return error.message
        }
    }

    // MARK: - Label selector parsing

    func testParsesEveryOperatorAndRendersCanonically() throws {
        let cases: [(String, String)] = [
            ("", ""),
            ("a=b", "a=b"),
            ("a==b", "a==b"),
            ("a!=b", "a!=b"),
            ("a in (y,x)", "a in (x,y)"),
            ("a notin (x)", "a notin (x)"),
            ("a", "a"),
            ("!a", "!a"),
            ("a>1", "a>1"),
            ("a<5", "a<5"),
            ("  z = b ,\tc in ( z , y ) ,!d ", "c in (y,z),!d,z=b"),
            ("x in (foo,,baz),y,z notin ()", "x in (,baz,foo),y,z notin ()"),
            ("a in (,)", "a in ()"),
            ("a=", "a="),
            ("in in (in,notin)", "in in (in,notin)"),
            ("a=in", "a=in"),
            ("example.com/app=web", "example.com/app=web"),
        ]
        for (input, rendered) in cases {
            XCTAssertEqual(try LabelSelector.parse(input).description, rendered, "input: \(input)")
        }
    }

    func testRequirementsAreSortedByKey() throws {
        let selector = try LabelSelector.parse("c=1,a=2,b")
        XCTAssertEqual(selector.requirements.map(\.key), ["a", "b", "c"])
        XCTAssertEqual(selector.requirements.map(\.op), [.equals, .exists, .equals])
    }

    func testSyntaxErrorsCarryUpstreamMessages() {
        let cases: [(String, String)] = [
            ("a b", "unable to parse requirement: found 'b', expected: in, notin, =, ==, !=, gt, lt"),
            ("a,", "found '', expected: identifier after ','"),
            (",a", "found ',', expected: !, identifier, or 'end of string'"),
            ("=", "found '=', expected: !, identifier, or 'end of string'"),
            ("a=b,,c", "found ',', expected: identifier after ','"),
            ("a=b c", "found 'c', expected: ',' or 'end of string'"),
            ("!a=b", "found '=', expected: ',' or 'end of string'"),
            ("!", "unable to parse requirement: found '', expected: identifier"),
            ("a=(", "unable to parse requirement: found '(', expected: identifier"),
            ("a===b", "unable to parse requirement: found '=', expected: identifier"),
            ("a in x", "unable to parse requirement: found 'x' expected: '('"),
            ("a in (x", "unable to parse requirement: found '', expected: ',' or ')'"),
            ("a in (x y)", "unable to parse requirement: found 'y', expected: ',' or ')'"),
            ("a in (x,=)", "unable to parse requirement: found '=', expected: ',', or identifier"),
            ("a in =", "unable to parse requirement: found '=' expected: '('"),
        ]
        for (input, message) in cases {
            XCTAssertEqual(parseError(input), message, "input: \(input)")
        }
    }

    func testInvalidKeysAndValuesAreReportedLikeKubeAPIServer() {
        XCTAssertEqual(parseError("app:monolith"),
                       "unable to parse requirement: <nil>: Invalid value: \"app:monolith\": name part " + qualifiedNameRegexError)
        XCTAssertEqual(parseError("a/b/c ?=? def"),
                       "unable to parse requirement: <nil>: Invalid value: \"a/b/c\": a qualified name " + qualifiedNameRegexError
                           + " with an optional DNS subdomain prefix and '/' (e.g. 'example.com/MyName')")
        XCTAssertEqual(parseError("app.kubernetes_io/name=x"),
                       "unable to parse requirement: <nil>: Invalid value: \"app.kubernetes_io/name\": prefix part a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')")
        // Go's %q escapes what it cannot print.
        XCTAssertEqual(parseError("a\u{01}\"b=c"),
                       "unable to parse requirement: <nil>: Invalid value: \"a\\x01\\\"b\": name part " + qualifiedNameRegexError)
        XCTAssertEqual(parseError("a=b@c"),
                       "unable to parse requirement: values[0][a]: Invalid value: \"b@c\": " + labelValueRegexError)
        XCTAssertEqual(parseError("a>b"),
                       "unable to parse requirement: values[0]: Invalid value: \"b\": for 'Gt', 'Lt' operators, the value must be an integer")
        XCTAssertEqual(parseError("a>x@"),
                       "unable to parse requirement: [values[0]: Invalid value: \"x@\": for 'Gt', 'Lt' operators, the value must be an integer, values[0][a]: Invalid value: \"x@\": "
                           + labelValueRegexError + "]")
    }

    // MARK: - Matching

    func testMatchingSemantics() throws {
        let labels = ["app": "web", "tier": "front", "replicas": "4"]
        let expectations: [(String, Bool)] = [
            ("", true),
            ("app=web", true),
            ("app==web", true),
            ("app=db", false),
            ("app!=db", true),
            ("missing!=x", true),
            ("app in (db,web)", true),
            ("missing in (x)", false),
            ("app notin (web)", false),
            ("missing notin (web)", true),
            ("app", true),
            ("missing", false),
            ("!missing", true),
            ("!app", false),
            ("replicas>3", true),
            ("replicas>4", false),
            ("replicas<5", true),
            ("app>1", false),  // a non-numeric label never satisfies gt/lt
            ("missing<9", false),
            ("app=web,tier=front", true),
            ("app=web,tier=back", false),
        ]
        for (text, expected) in expectations {
            XCTAssertEqual(try LabelSelector.parse(text).matches(labels), expected, "selector: \(text)")
        }
    }

    func testEmptyValueIsDistinctFromMissing() throws {
        let selector = try LabelSelector.parse("a=")
        XCTAssertTrue(selector.matches(["a": ""]))
        XCTAssertFalse(selector.matches([:]))
    }

    func testMatchesLabelsObject() throws {
        let selector = try LabelSelector.parse("app=web")
        let labels: JSON = ["app": "web", "n": 1]
        XCTAssertTrue(selector.matches(labelsObject: labels.objectValue))
        XCTAssertFalse(selector.matches(labelsObject: nil))
        XCTAssertFalse(try LabelSelector.parse("n").matches(labelsObject: labels.objectValue))
    }

    func testSelectorFromSet() {
        let selector = LabelSelector.matchingExactly(["b": "2", "a": "1"])
        XCTAssertEqual(selector.description, "a=1,b=2")
        XCTAssertTrue(selector.matches(["a": "1", "b": "2", "c": "3"]))
        XCTAssertFalse(selector.matches(["a": "1"]))
        XCTAssertTrue(LabelSelector.matchingExactly([:]).matches([:]))
        XCTAssertFalse(LabelSelector.nothing.matches([:]))
    }

    func testRequiredValue() throws {
        let selector = try LabelSelector.parse("a=1,b in (2),c in (3,4),d!=5")
        XCTAssertEqual(selector.requiredValue(for: "a"), "1")
        XCTAssertEqual(selector.requiredValue(for: "b"), "2")
        XCTAssertNil(selector.requiredValue(for: "c"))
        XCTAssertNil(selector.requiredValue(for: "d"))
        XCTAssertNil(selector.requiredValue(for: "e"))
    }

    // MARK: - metav1.LabelSelector objects

    func testBuildsFromJSONAndRendersForScale() throws {
        let json: JSON = [
            "matchLabels": ["z": "1", "app": "demo"],
            "matchExpressions": [
                ["key": "tier", "operator": "NotIn", "values": ["b", "a"]],
                ["key": "x", "operator": "DoesNotExist"],
                ["key": "env", "operator": "In", "values": ["prod"]],
                ["key": "team", "operator": "Exists"],
            ],
        ]
        let selector = try LabelSelector(json: json)
        XCTAssertEqual(selector.description, "app=demo,env in (prod),team,tier notin (a,b),!x,z=1")
        XCTAssertTrue(selector.matches(["app": "demo", "z": "1", "env": "prod", "team": "t"]))
        XCTAssertFalse(selector.matches(["app": "demo", "z": "1", "env": "prod", "team": "t", "x": ""]))
        XCTAssertFalse(selector.matches(["app": "demo", "z": "1", "env": "prod", "team": "t", "tier": "a"]))
    }

    func testNullSelectsNothingAndEmptySelectsEverything() throws {
        let absent = try LabelSelector(json: nil)
        XCTAssertFalse(absent.matches([:]))
        XCTAssertFalse(absent.isEmpty)
        XCTAssertEqual(absent.description, "")
        XCTAssertFalse(try LabelSelector(json: .null).matches(["a": "b"]))
        XCTAssertTrue(try LabelSelector(json: nil, whenAbsent: .everything).matches(["a": "b"]))
        let empty = try LabelSelector(json: [:])
        XCTAssertTrue(empty.isEmpty)
        XCTAssertTrue(empty.matches([:]))
        XCTAssertTrue(try LabelSelector(json: ["matchLabels": [:], "matchExpressions": []]).matches(["x": "y"]))
    }

    func testJSONSelectorErrors() {
        func message(_ json: JSON) -> String? {
            do {
                _ = try LabelSelector(json: json)
                return nil
            } catch {
                return error.message
            }
        }
        XCTAssertEqual(message(["matchExpressions": [["key": "a", "operator": "Foo"]]]),
                       "\"Foo\" is not a valid label selector operator")
        XCTAssertEqual(message(["matchExpressions": [["key": "a", "operator": "In"]]]),
                       "values: Invalid value: null: for 'in', 'notin' operators, values set can't be empty")
        XCTAssertEqual(message(["matchExpressions": [["key": "a", "operator": "Exists", "values": ["x"]]]]),
                       "values: Invalid value: [\"x\"]: values set must be empty for exists and does not exist")
        XCTAssertEqual(message(["matchLabels": ["bad key": "v"]]),
                       "key: Invalid value: \"bad key\": name part " + qualifiedNameRegexError)
    }

    func testValidateLabelSelectorFieldErrors() {
        let json: JSON = [
            "matchLabels": ["a": "b c"],
            "matchExpressions": [
                ["key": "k", "operator": "In"],
                ["key": "k", "operator": "Exists", "values": ["x"]],
                ["key": "k", "operator": "Bad", "values": ["ok", "not ok"]],
            ],
        ]
        let messages = validateLabelSelector(json, path: FieldPath("spec").child("selector")).map(\.message)
        XCTAssertEqual(messages, [
            "spec.selector.matchLabels: Invalid value: \"b c\": " + labelValueRegexError,
            "spec.selector.matchExpressions[0].values: Required value: must be specified when `operator` is 'In' or 'NotIn'",
            "spec.selector.matchExpressions[1].values: Forbidden: may not be specified when `operator` is 'Exists' or 'DoesNotExist'",
            "spec.selector.matchExpressions[2].operator: Invalid value: \"Bad\": not a valid selector operator",
            "spec.selector.matchExpressions[2].values[1]: Invalid value: \"not ok\": " + labelValueRegexError,
        ])
        XCTAssertTrue(validateLabelSelector(nil, path: FieldPath("spec.selector")).isEmpty)
        XCTAssertTrue(validateLabelSelector(["matchLabels": ["app": "web"]], path: FieldPath("s")).isEmpty)
        XCTAssertEqual(validateLabelSelector(["matchExpressions": [["key": "k", "operator": "In", "values": ["a b"]]]],
                                             path: FieldPath("s"), allowInvalidLabelValueInSelector: true), [])
    }

    // MARK: - Field selectors

    private func fieldTerms(_ text: String) throws -> [String] {
        try FieldSelector.parse(text).requirements.map { "\($0.field)|\($0.op.rawValue)|\($0.value)" }
    }

    func testFieldSelectorParsing() throws {
        XCTAssertEqual(try fieldTerms(""), [])
        XCTAssertEqual(try fieldTerms("metadata.name=web-0"), ["metadata.name|=|web-0"])
        XCTAssertEqual(try fieldTerms("b==x,a!=y"), ["a|!=|y", "b|=|x"])
        XCTAssertEqual(try fieldTerms("a="), ["a|=|"])
        XCTAssertEqual(try fieldTerms("z=1,,y=2"), ["y|=|2", "z|=|1"])
        XCTAssertEqual(try fieldTerms("="), [])
        XCTAssertEqual(try fieldTerms(#"a=x\,y"#), ["a|=|x,y"])
        XCTAssertEqual(try fieldTerms(#"a=x\=y\\"#), [#"a|=|x=y\"#])
        XCTAssertEqual(
            try fieldTerms("involvedObject.name=web-0,involvedObject.namespace=default,involvedObject.uid=123"),
            ["involvedObject.name|=|web-0", "involvedObject.namespace|=|default", "involvedObject.uid|=|123"])
    }

    func testFieldSelectorErrors() {
        func message(_ text: String) -> String? {
            do {
                _ = try FieldSelector.parse(text)
                return nil
            } catch {
                return error.message
            }
        }
        XCTAssertEqual(message("abc"), "invalid selector: 'abc'; can't understand 'abc'")
        XCTAssertEqual(message("a=1,zzz"), "invalid selector: 'a=1,zzz'; can't understand 'zzz'")
        XCTAssertEqual(message("a=x=y"), "invalid field selector: unescaped character in value: 61")
        XCTAssertEqual(message("a=x,y"), "invalid selector: 'a=x,y'; can't understand 'y'")
        XCTAssertEqual(message(#"a=x\y"#), #"invalid field selector: invalid escape sequence: \y"#)
        XCTAssertEqual(message(#"a=x\"#), #"invalid field selector: invalid escape sequence: \"#)
    }

    func testFieldSelectorMatchingTreatsMissingAsEmpty() throws {
        let fields = ["metadata.name": "web-0", "metadata.namespace": "default"]
        XCTAssertTrue(try FieldSelector.parse("metadata.name=web-0").matches(fields))
        XCTAssertFalse(try FieldSelector.parse("metadata.name=web-1").matches(fields))
        XCTAssertTrue(try FieldSelector.parse("metadata.name!=web-1,metadata.namespace==default").matches(fields))
        XCTAssertTrue(try FieldSelector.parse("spec.nodeName=").matches(fields))
        XCTAssertFalse(try FieldSelector.parse("spec.nodeName!=").matches(fields))
        XCTAssertTrue(try FieldSelector.parse("").matches(fields))
    }

    func testFieldSelectorRenderingAndExactMatch() throws {
        let selector = try FieldSelector.parse(#"metadata.name==a\,b,status.phase!=Running"#)
        XCTAssertEqual(selector.description, #"metadata.name=a\,b,status.phase!=Running"#)
        XCTAssertEqual(selector.requiredValue(for: "metadata.name"), "a,b")
        XCTAssertNil(selector.requiredValue(for: "status.phase"))
        XCTAssertEqual(FieldSelector.escapeValue(#"a\b,c=d"#), #"a\\b\,c\=d"#)
        XCTAssertEqual(try FieldSelector.unescapeValue(FieldSelector.escapeValue(#"a\b,c=d"#)), #"a\b,c=d"#)
    }
}
