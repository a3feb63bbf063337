"""A ``pattern`` in the portable subset compiles in every engine and means the same.

The generated Zod compiles a pattern with ``new RegExp(p, "u")``, the generated
pydantic models hand ``stepgen_runtime.patterns.for_rust(p)`` to pydantic's Rust
engine, and the ``jsonschema`` library searches with
``stepgen_runtime.patterns.search`` (Python's ``re``). Every pattern the manifest rules
accept must compile in all three and give the same verdict on every string; these
tests run the patterns through the real JavaScript engine on Node to prove it, for a
hand-written list and for a few thousand patterns drawn at random.
"""

from __future__ import annotations

import json
import random
import re
import subprocess
import warnings
from typing import Any

import pydantic_core
import pytest
from stepgen.manifest.patterns import portability_problem
from stepgen_runtime import patterns

DIFFER = "which differ between Python and JavaScript"

ACCEPTED = [
    "",
    "a",
    "^abc$",
    "^[A-Z][A-Z0-9_]*$",
    "^[a-z0-9_-]+$",
    "^[-a-z]$",
    "[a-c-e]",
    "^a{0,3}$",
    "^a{2}$",
    "^a{2,}$",
    "^(ab|cd){1,2}?$",
    "a*?b+?c??",
    "(a)(b)()",
    "(|a)b|",
    "^.$",
    "^.+$",
    "a$",
    "^$",
    "[^\\n]",
    "^[^a-z]*$",
    "\\^\\$\\\\\\.\\*\\+\\?\\(\\)\\[\\]\\{\\}\\|\\/",
    "[\\^\\$\\\\\\.\\*\\+\\?\\(\\)\\[\\]\\{\\}\\|\\/\\-]",
    "[$.|(){}*+?^]",
    "[a^]",
    "\\t\\n\\r\\f\\v",
    "[\\t-\\r]",
    "\\x41\\x7e",
    "[\\x41-\\x5A]",
    "\\u00e9\\u4E2D",
    "[\\u0100-\\uffff]",
    "[!-\\-]",
    "é+",
    "😀{2}",
    "^[😀-😂]$",
    "中文",
    "a/b",
    "-",
    "a,b",
    "x{0}",
    "a{01}",
    "\n",
    " +",
    "&&",
    "[&]",
    "[a&]",
    "[a-]",
]

# Python's re compiles each of these, but JavaScript's RegExp with the u flag throws.
REFUSED_BY_JAVASCRIPT = [
    "^a{,3}$",
    "a++",
    "a*+",
    "a?+",
    "a{2}+",
    "\\a",
    "{",
    "}",
    "]",
    "a{",
    "a{1",
    "a{1,",
    "a{ 1}",
    "\\-",
    "\\_",
    "\\#",
    "\\ ",
    "\\@",
    "\\'",
    '\\"',
    "\\,",
    "\\:",
    "\\=",
    "\\!",
    "\\<",
    "\\>",
    "\\&",
    "\\~",
    "\\%",
    "\\012",
    "\\U00000041",
    "\\N{LATIN SMALL LETTER A}",
    "[[:alpha:]]",
    "[]a]",
    "\\é",
    "[\\_]",
    "[\\a]",
]

# Refused although JavaScript compiles them: they mean something else in another
# engine (or pydantic's Rust engine refuses them).
REFUSED_ELSEWHERE = {
    "^\\d+$": f"the pattern uses \\d (write [0-9]), {DIFFER}",
    "\\D": f"the pattern uses \\D (write [^0-9]), {DIFFER}",
    "[\\w]": f"the pattern uses \\w (write [A-Za-z0-9_]), {DIFFER}",
    "\\W": f"the pattern uses \\W (write [^A-Za-z0-9_]), {DIFFER}",
    "^\\s*$": f"the pattern uses \\s or \\S (list the whitespace characters), {DIFFER}",
    "\\bword": f"the pattern uses word boundaries (\\b), {DIFFER}",
    "[\\b]": f"the pattern uses word boundaries (\\b), {DIFFER}",
    "^(?!draft)": (
        "the pattern uses groups with (? (lookaround, named groups, inline flags), "
        f"{DIFFER}"
    ),
    "(?:a)": (
        "the pattern uses groups with (? (lookaround, named groups, inline flags), "
        f"{DIFFER}"
    ),
    "(a)\\1": f"the pattern uses back-references, {DIFFER}",
    "\\0": "the pattern uses the escape \\0 at position 0, which is not portable",
    "\\uD83D\\uDE00": "the pattern uses the escape \\uD83D at position 0, a surrogate",
    "[a&&b]": "holds && at position 2, which some engines read as a set operation",
    "[!--b]": "holds -- at position 2, which some engines read as a set operation",
    "[a~~b]": "holds ~~ at position 2, which some engines read as a set operation",
    "[a||b]": "holds || at position 2, which some engines read as a set operation",
    "[a[]": "holds an unescaped '[' at position 2",
}

SAMPLES = [
    "",
    "a",
    "b",
    "ab",
    "abc",
    "cd",
    "abcd",
    "aa",
    "aaa",
    "aaaa",
    "A",
    "Z9_",
    "a-b",
    "-",
    "_",
    "a\n",
    "\n",
    "\r",
    "\u2028",
    "\u2029",
    "\t",
    "\x0b",
    "\x0c",
    " ",
    "  ",
    "é",
    "éé",
    "中文",
    "😀",
    "😀😀",
    "😁",
    "\ud83d",
    "^$\\.*+?()[]{}|/",
    "{",
    "}",
    "a,b",
    "a/b",
    "&",
    "&&",
    "x",
    "Ā",
    "\uffff",
]


def _node(patterns_and_samples: list[tuple[str, list[str]]]) -> list[dict[str, Any]]:
    """What JavaScript says: whether each pattern compiles, and its verdicts."""
    script = """
const input = JSON.parse(require("fs").readFileSync(0, "utf8"));
const out = input.map(([pattern, samples]) => {
  let regex;
  try { regex = new RegExp(pattern, "u"); }
  catch (error) { return { compiles: false, error: String(error.message) }; }
  return { compiles: true, verdicts: samples.map((sample) => regex.test(sample)) };
});
process.stdout.write(JSON.stringify(out));
"""
    result = subprocess.run(
        ["node", "-e", script],
        input=json.dumps(patterns_and_samples),
        capture_output=True,
        text=True,
        check=True,
    )
    answer: list[dict[str, Any]] = json.loads(result.stdout)
    return answer


def _rust(pattern: str, samples: list[str]) -> list[bool]:
    """What pydantic's Rust engine says, with the pattern as the models carry it."""
    validator = pydantic_core.SchemaValidator(
        pydantic_core.core_schema.str_schema(pattern=patterns.for_rust(pattern))
    )
    verdicts = []
    for sample in samples:
        try:
            validator.validate_python(sample)
        except pydantic_core.ValidationError:
            verdicts.append(False)
        else:
            verdicts.append(True)
    return verdicts


def _python(pattern: str, samples: list[str]) -> list[bool]:
    return [patterns.search(pattern, sample) for sample in samples]


def _disagreements(cases: list[tuple[str, list[str]]]) -> list[str]:
    found = []
    for (pattern, samples), javascript in zip(cases, _node(cases), strict=True):
        if not javascript["compiles"]:
            found.append(f"{pattern!r}: JavaScript throws {javascript['error']}")
            continue
        python = _python(pattern, samples)
        rust_samples = [sample for sample in samples if not _surrogate(sample)]
        try:
            rust = _rust(pattern, rust_samples)
        except pydantic_core.SchemaError as error:
            found.append(f"{pattern!r}: pydantic's Rust engine refuses it: {error}")
            continue
        for sample, js_verdict, py_verdict in zip(
            samples, javascript["verdicts"], python, strict=True
        ):
            if js_verdict != py_verdict:
                found.append(
                    f"{pattern!r} on {sample!r}: JavaScript {js_verdict}, "
                    f"Python {py_verdict}"
                )
        js_by_sample = dict(zip(samples, javascript["verdicts"], strict=True))
        for sample, rust_verdict in zip(rust_samples, rust, strict=True):
            if rust_verdict != js_by_sample[sample]:
                found.append(
                    f"{pattern!r} on {sample!r}: JavaScript {js_by_sample[sample]}, "
                    f"Rust {rust_verdict}"
                )
    return found


def _surrogate(text: str) -> bool:
    # A lone surrogate is no valid string for pydantic (it cannot be UTF-8).
    return any(0xD800 <= ord(char) <= 0xDFFF for char in text)


@pytest.mark.parametrize("pattern", ACCEPTED)
def test_a_portable_pattern_is_accepted(pattern: str) -> None:
    assert portability_problem(pattern) is None


def test_accepted_patterns_compile_in_javascript_and_agree_everywhere() -> None:
    cases = [(pattern, SAMPLES) for pattern in ACCEPTED]

    assert _disagreements(cases) == []


@pytest.mark.parametrize("pattern", REFUSED_BY_JAVASCRIPT)
def test_a_pattern_javascript_refuses_is_refused(pattern: str) -> None:
    problem = portability_problem(pattern)

    assert problem is not None
    assert not problem.startswith("the pattern is not a valid regular expression")


def test_the_refused_patterns_compile_in_python_but_throw_in_javascript() -> None:
    # Why they must be refused: Python alone would accept every one of them.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for pattern in REFUSED_BY_JAVASCRIPT:
            re.compile(pattern)
    answers = _node([(pattern, []) for pattern in REFUSED_BY_JAVASCRIPT])

    compiled = [
        pattern
        for pattern, answer in zip(REFUSED_BY_JAVASCRIPT, answers, strict=True)
        if answer["compiles"]
    ]
    assert compiled == []


@pytest.mark.parametrize("pattern", sorted(REFUSED_ELSEWHERE))
def test_a_pattern_with_another_meaning_elsewhere_is_refused_with_the_reason(
    pattern: str,
) -> None:
    problem = portability_problem(pattern)

    assert problem is not None
    assert REFUSED_ELSEWHERE[pattern] in problem


@pytest.mark.parametrize(
    ("pattern", "expected"),
    [
        (
            "^a{,3}$",
            "the pattern has a quantifier without its minimum at position 2, which "
            "JavaScript refuses; write {0,m} for {,m}",
        ),
        (
            "a++",
            "the pattern has a quantifier at position 2 right after another (as in "
            "a++ or a**), which JavaScript refuses; one quantifier may be followed "
            "only by ? to make it lazy",
        ),
        (
            "a{1",
            "the pattern has a '{' at position 1 that does not start a quantifier "
            "{n}, {n,} or {n,m}, which JavaScript refuses; write \\{ for the character",
        ),
        (
            "ab]",
            "the pattern has a lone ']' at position 2, which JavaScript refuses; "
            "write \\] for the character",
        ),
        (
            "[[:alpha:]]",
            "the character class at position 0 holds an unescaped '[' at position 1 "
            "(a nested class or [:alpha:] in some engines, a syntax error in "
            "JavaScript); write \\[ for the character",
        ),
    ],
)
def test_the_message_names_the_construct_and_its_position(
    pattern: str, expected: str
) -> None:
    assert portability_problem(pattern) == expected


def test_an_escaped_hyphen_is_portable_only_inside_a_class() -> None:
    assert portability_problem("[a\\-z]") is None
    problem = portability_problem("a\\-z")

    assert problem is not None
    assert problem.startswith(
        "the pattern uses the escape \\- at position 1, which is not portable outside "
        "a character class"
    )


def test_a_range_out_of_order_or_a_reversed_quantifier_is_refused() -> None:
    assert portability_problem("[z-a]") is not None
    assert portability_problem("a{3,2}") is not None
    assert portability_problem("[a-c-a]") is None  # the second '-' is a character


# Random patterns -----------------------------------------------------------------

PIECES = [
    "a",
    "b",
    "é",
    "😀",
    "-",
    ",",
    "/",
    " ",
    "0",
    "1",
    "2",
    ".",
    "^",
    "$",
    "|",
    "(",
    ")",
    "[",
    "]",
    "[^",
    "{",
    "}",
    "*",
    "+",
    "?",
    "{1}",
    "{0,2}",
    "{2,}",
    "{,2}",
    "\\",
    "\\-",
    "\\.",
    "\\[",
    "\\]",
    "\\{",
    "\\}",
    "\\/",
    "\\n",
    "\\t",
    "\\x41",
    "\\u00e9",
    "\\d",
    "\\_",
    "\\a",
    "\\0",
    "&",
    "~",
    ":",
    "\n",
]
ALPHABET = "aAbé😀-,/ 012.{}[]^$\n\r\u2028\t&~:_"


def _random_cases(count: int, seed: int) -> list[tuple[str, list[str]]]:
    chooser = random.Random(seed)
    cases = []
    for _ in range(count):
        pattern = "".join(chooser.choices(PIECES, k=chooser.randint(1, 7)))
        samples = [
            "".join(chooser.choices(ALPHABET, k=chooser.randint(0, 6)))
            for _ in range(24)
        ]
        cases.append((pattern, samples))
    return cases


def test_random_patterns_the_subset_accepts_compile_in_javascript_and_agree() -> None:
    candidates = _random_cases(6000, seed=20240601)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        accepted = [
            (pattern, samples)
            for pattern, samples in candidates
            if portability_problem(pattern) is None
        ]

    assert len(accepted) > 500  # enough accepted patterns to prove something
    assert _disagreements(accepted) == []


def test_random_patterns_javascript_refuses_are_all_refused() -> None:
    candidates = _random_cases(6000, seed=7)
    answers = _node([(pattern, []) for pattern, _ in candidates])

    missed = [
        pattern
        for (pattern, _), answer in zip(candidates, answers, strict=True)
        if not answer["compiles"] and portability_problem(pattern) is None
    ]
    assert missed == []
