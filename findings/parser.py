"""Turn pasted inspection feedback or rectification progress reports into problems and measures."""

from __future__ import annotations

import bisect
import heapq
import re
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

__all__ = [
    "MAX_TEXT_CHARS",
    "Declared",
    "FeedbackParseError",
    "ParseResult",
    "ParsedMeasure",
    "ParsedProblem",
    "parse_feedback",
]

# A whole newspaper page of a progress report is about 20,000 characters; a million leaves room
# for a full feedback with annexes while keeping the worst case well under a second.
MAX_TEXT_CHARS = 1_000_000


class FeedbackParseError(ValueError):
    """The pasted text cannot be read as a feedback or a rectification report."""


@dataclass
class ParsedMeasure:
    seq: int
    text: str


@dataclass
class ParsedProblem:
    aspect: str | None
    seq: int
    title: str
    measures: list[ParsedMeasure] = field(default_factory=list)


@dataclass
class Declared:
    aspects: int | None = None
    problems: int | None = None
    measures: int | None = None
    # Each total's sentence, as the text has it; and the totals read from the plan's words
    # (明确…13项109条整改措施), which are reported beside what was found but not compared with
    # it: a report lists its own problems, which need not be the plan's items.
    sentences: dict[str, str] = field(default_factory=dict, compare=False)
    of_the_plan: frozenset[str] = field(default_factory=frozenset, compare=False)

    def compared(self) -> dict[str, int]:
        """The totals the text states as its own, by kind: those a difference is warned of."""
        values = {"aspects": self.aspects, "problems": self.problems, "measures": self.measures}
        return {
            kind: value
            for kind, value in values.items()
            if value is not None and kind not in self.of_the_plan
        }


@dataclass
class ParseResult:
    declared: Declared
    problems: list[ParsedProblem]
    aspects: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return {
            "declared": {
                "aspects": self.declared.aspects,
                "problems": self.declared.problems,
                "measures": self.declared.measures,
            },
            "problems": [
                {
                    "aspect": problem.aspect,
                    "seq": problem.seq,
                    "title": problem.title,
                    "measures": [
                        {"seq": measure.seq, "text": measure.text} for measure in problem.measures
                    ],
                }
                for problem in self.problems
            ],
        }


# ---------------------------------------------------------------------------
# Chinese numerals

_CN_DIGITS = {
    "零": 0,
    "〇": 0,
    "一": 1,
    "二": 2,
    "两": 2,
    "三": 3,
    "四": 4,
    "五": 5,
    "六": 6,
    "七": 7,
    "八": 8,
    "九": 9,
}
_CN_UNITS = {"十": 10, "百": 100, "千": 1000}
_CN_NUMERAL_CHARS = "零〇一二两三四五六七八九十百千"


def _cn_to_int(text: str) -> int | None:
    """Read 一 … 九千九百九十九 (or ASCII digits); None for anything malformed."""
    if not text:
        return None
    if text.isascii():
        return int(text) if text.isdigit() else None
    total = 0
    current = 0
    last_unit = 10_000
    previous_was_digit = False
    for char in text:
        if char in _CN_DIGITS:
            value = _CN_DIGITS[char]
            # "一二" is not a number, but "一百零九" is.
            if previous_was_digit and current != 0:
                return None
            current = value
            previous_was_digit = True
        elif char in _CN_UNITS:
            unit = _CN_UNITS[char]
            if unit >= last_unit:
                return None
            total += (current or 1) * unit
            current = 0
            last_unit = unit
            previous_was_digit = False
        else:
            return None
    return total + current


def _int_to_cn(number: int) -> str:
    """Write 1 … 99 the way ordinals are printed (十一, 二十, 四十九)."""
    digits = "零一二三四五六七八九"
    if number < 10:
        return digits[number]
    tens, ones = divmod(number, 10)
    head = "十" if tens == 1 else digits[tens] + "十"
    return head + (digits[ones] if ones else "")


def _count_value(text: str) -> int | None:
    """Read a count; a run like 统一三 picked up by the pattern falls back to its tail 三."""
    for start in range(len(text)):
        value = _cn_to_int(text[start:])
        if value:
            return value
    return None


# ---------------------------------------------------------------------------
# Text clean-up
#
# All matching runs on a "key": the cleaned text with full-width ASCII folded to half-width.
# The fold is one character for one character, so offsets found in the key slice the cleaned
# text directly and titles and measures keep their original punctuation.

_KEY_TABLE: dict[int, str] = {cp: chr(cp - 0xFEE0) for cp in range(0xFF01, 0xFF5F)}
_KEY_TABLE.update({0x3000: " ", 0x3014: "(", 0x3015: ")"})
_INVISIBLE_RE = re.compile("[\u200b\u200c\u200d\u2060\ufeff\u00ad]")
_CONTROL_RE = re.compile("[\x00-\x08\x0e-\x1f\x7f]")
_LINE_BREAK_RE = re.compile("\r\n|[\r\x0b\x0c\x1c-\x1e\x85\u2028\u2029]")
_CJK_RE = re.compile("[\u4e00-\u9fff]")
_CIRCLED_RE = re.compile("[\u2460-\u2487]")
# A title that runs into the next numbered heading was not a title.
_INNER_NUMBER_RE = re.compile(r"\([一二三四五六七八九十\d]{1,3}\)|(?<![\d.])\d{1,3}[、.](?!\d)")
# "二、关于巡察反馈问题的整改情况" names the section, not a problem.
_GENERIC_TITLE_RE = re.compile(
    r"(?:(?:中央|省委|市委|州委|县委|区委|党委|党组)?(?:巡视|巡察)(?:组|工作)?)?"
    r"(?:反馈|指出|发现|移交)?(?:的)?(?:意见)?(?:中)?(?:指出|反馈)?(?:的)?(?:各项|具体)?"
)
# Newspaper jump lines: （下转第6版）, （上接第1版）.
_CONTINUATION_RE = re.compile(
    r"[(（〔]\s*(?P<dir>下转|上接|转|接)\s*第?\s*[0-9０-９一二三四五六七八九十]+\s*版\s*[)）〕]"
)
# A report's own title repeated as a page header, e.g. 中共…关于巡察整改情况的通报.
_TITLE_LINE_RE = re.compile(
    r"[^，,。；;：:]{0,40}关于[^，,。；;：:]{0,40}(?:巡视|巡察)[^，,。；;：:]{0,20}"
    r"(?:整改|反馈)[^，,。；;：:]{0,20}(?:通报|公告|报告)"
)

_SENTENCE_END = "。!?;"
_BREAK_AFTER = _SENTENCE_END + ":"


@dataclass
class _Document:
    text: str  # cleaned text, lines joined
    key: str  # same length as text, half-width punctuation
    line_starts: set[int]
    line_ends: set[int]
    continued: list[str]


def _clean(raw: str) -> _Document:
    text = _LINE_BREAK_RE.sub("\n", raw)
    text = _INVISIBLE_RE.sub("", text).replace("\xa0", " ").replace("\t", " ")
    continued = [m.group(0) for m in _CONTINUATION_RE.finditer(text) if m.group("dir") != "上接"]
    text = _CONTINUATION_RE.sub("", text)

    lines: list[str] = []
    for line in text.split("\n"):
        stripped = line.strip(" \u3000")
        if not stripped:
            continue
        folded = stripped.translate(_KEY_TABLE)
        if _TITLE_LINE_RE.fullmatch(folded) and not _NUM_RE.match(folded):
            continue
        lines.append(stripped)

    # Newspaper columns break lines anywhere, even inside a word, so lines are glued back
    # without a separator; the line starts are kept because headings begin a line.
    starts: set[int] = set()
    ends: set[int] = set()
    offset = 0
    for line in lines:
        starts.add(offset)
        offset += len(line)
        ends.add(offset)
    cleaned = "".join(lines)
    return _Document(
        text=cleaned,
        key=cleaned.translate(_KEY_TABLE),
        line_starts=starts,
        line_ends=ends,
        continued=continued,
    )


# ---------------------------------------------------------------------------
# Headings

# Numbering styles, outermost first: 一、  问题一：/【问题】  (一)  1.  (1)  ①/⑴
_STYLE_RANK: dict[str, float] = {
    "cnd": 0,
    "ann": 0.5,
    "pcn": 1,
    "ar": 2,
    "par": 3,
    "circ": 4,
    "pcirc": 4,
}

_NUM_RE = re.compile(
    r"\s*(?:"
    r"\(\s*(?P<pcn>[一二三四五六七八九十]{1,3})\s*\)"
    r"|(?P<cnd>[一二三四五六七八九十]{1,3})\s*[、.]"
    r"|\(\s*(?P<par>\d{1,3})\s*\)"
    r"|(?P<ar>\d{1,3})\s*[、.](?!\d)"
    r"|(?P<circ>[\u2460-\u2473])"
    r"|(?P<pcirc>[\u2474-\u2487])"
    r")\s*"
)

# A problem announced by a label rather than a number: 问题一：…, 【问题】…, 【问题3】…
_ANNOUNCED_RE = re.compile(
    r"\s*(?:问题\s*(?P<n>[一二三四五六七八九十]{1,3}|\d{1,3})\s*[:、]"
    r"|[【\[]\s*问题(?:描述|表现)?\s*(?P<bn>[一二三四五六七八九十]{1,3}|\d{1,3})?\s*[】\]]\s*:?)\s*"
)
# The label before the measures of an announced problem: 整改措施：, 【整改措施】.
_MEASURES_LABEL_RE = re.compile(
    r"[【\[]?\s*整改(?:措施|举措|情况|落实情况|结果|成效)\s*(?:[】\]]\s*:?|:)"
)
_ANNOUNCED_TITLE_MAX = 100

_GLUED_HEADING_RE = re.compile(
    r"(?:\([一二三四五六七八九十]{1,3}\)|(?<![一二三四五六七八九十])[一二三四五六七八九十]{1,3}[、.]"
    r"|\(\d{1,3}\)|(?<![\d.])\d{1,3}[、.]|[\u2460-\u2487])"
    r"\s*(?=关于|在\s*[“\"「『])"
)
_Q_OPEN = '“"「『'
_Q_CLOSE = '”"」』'
_KIND = r"(?P<kind>(?:等)?(?:方面)?(?:存在的?|的|中的|上的)?(?:问题|方面))"
_PLAIN = r"[^。!?;:,\n]"
_BARE = r"[^“”\"「」『』‘’。!?;:,\n]"
_QUOTE_PAIRS = {"“": "”", "「": "」", "『": "』", "‘": "’", '"': '"', "'": "'"}
_QUOTED_MAX = 120
_PRE_RE = re.compile(r"(?P<pre>关于|在|针对)?\s*")
_KIND_RE = re.compile(rf"\s*{_KIND}")
# Without quotes the title runs from 关于 to 问题/方面; anchoring on 整改 first lets a title
# itself contain 问题 or 方面.
_GUANYU_ANCHORED_RE = re.compile(rf"关于(?P<t>{_PLAIN}{{1,80}}?){_KIND}(?=(?:的)?整改)")
_GUANYU_RE = re.compile(rf"关于(?P<t>{_PLAIN}{{1,80}}?){_KIND}")
# "一、党的领导方面" followed by "问题一：…" must not take that 问题 as its own.
_ASPECT_KIND = r"(?P<kind>方面(?:存在的?|的)?(?:问题(?![一二三四五六七八九十\d]{1,3}\s*[:、]))?)"
_ZAI_RE = re.compile(rf"在(?P<t>{_BARE}{{1,40}}?){_ASPECT_KIND}")
_PLAIN_ASPECT_RE = re.compile(rf"(?P<t>{_BARE}{{1,40}}?){_ASPECT_KIND}")
_TAIL_RE = re.compile(
    r"(?P<tail>(?:的)?(?:整改(?:落实)?(?:工作)?(?:情况|进展情况|进展|结果|成效)?)?)\s*[。.:;]?"
)


@dataclass
class _Heading:
    start: int
    end: int
    style: str
    number: int
    kind: str | None  # "aspect", "problem" or None for any other numbered line
    title: str

    @property
    def rank(self) -> float:
        return _STYLE_RANK[self.style]


def _clean_title(text: str) -> str:
    title = " ".join(text.split()).strip(" 、，,：:")
    quotes = sum(1 for char in title if char in _Q_OPEN + _Q_CLOSE)
    # Drop quotes around the whole title, keep those around a phrase inside it.
    if quotes == 2 and title[:1] in _Q_OPEN and title[-1:] in _Q_CLOSE:
        title = title[1:-1].strip()
    return title


def _ends_heading(doc: _Document, end: int) -> bool:
    """Whether a heading without an explicit 整改 tail plausibly stops at `end`."""
    key = doc.key
    if end >= len(key) or end in doc.line_ends or end in doc.line_starts:
        return True
    if key[end - 1] in _BREAK_AFTER + ".":
        return True
    if key[end] in _BREAK_AFTER + ", ":
        return True
    return bool(_NUM_RE.match(key, end)) or key.startswith("一是", end)


def _quoted_span(key: str, pos: int) -> tuple[int, int] | None:
    """The text inside a quotation opening at `pos`, allowing quotes nested inside it.

    “落实“一岗双责”不到位” and “‘一岗双责’履行不到位” both close at their own last mark; a
    straight quote closes at the next straight quote of the same kind.
    """
    opener = key[pos : pos + 1]
    closer = _QUOTE_PAIRS.get(opener)
    if closer is None:
        return None
    depth = 0
    for index in range(pos, min(len(key), pos + _QUOTED_MAX + 2)):
        char = key[index]
        if opener == closer:
            if char == closer and index > pos:
                return (pos + 1, index) if index > pos + 1 else None
        elif char == opener:
            depth += 1
        elif char == closer:
            depth -= 1
            if depth == 0:
                return (pos + 1, index) if index > pos + 1 else None
    return None


def _title_candidates(doc: _Document, start: int) -> list[tuple[int, int, str, int, bool]]:
    """Possible (title start, title end, kind text, end, quoted) readings after a number."""
    key = doc.key
    found: list[tuple[int, int, str, int, bool]] = []
    pre = _PRE_RE.match(key, start)
    span = _quoted_span(key, pre.end()) if pre else None
    if span is not None:
        kind = _KIND_RE.match(key, span[1] + 1)
        if kind is not None:
            found.append((span[0], span[1], kind.group("kind"), kind.end(), True))
        elif pre and pre.group("pre") and key[span[0] : span[1]].endswith(("问题", "方面")):
            # 关于“学习领会不够深刻问题”的整改: the quotation carries its own 问题.
            tail = _TAIL_RE.match(key, span[1] + 1)
            if tail and "整改" in tail.group("tail"):
                kind_text = "问题" if key[span[0] : span[1]].endswith("问题") else "方面"
                found.append((span[0], span[1], kind_text, span[1] + 1, True))
        if found:
            return found
    # Cheap guards first: an unquoted title ends in 问题 or 方面 within a short distance.
    window = key[start : start + 90]
    has_fangmian = "方面" in window
    if "问题" not in window and not has_fangmian:
        return found
    patterns: list[re.Pattern[str]] = []
    if key.startswith("关于", start):
        if "整改" in window:
            patterns.append(_GUANYU_ANCHORED_RE)
        patterns.append(_GUANYU_RE)
    elif has_fangmian:
        patterns.extend((_ZAI_RE, _PLAIN_ASPECT_RE))
    for pattern in patterns:
        match = pattern.match(key, start)
        if match is not None and match.group("kind"):
            found.append(
                (match.start("t"), match.end("t"), match.group("kind"), match.end(), False)
            )
    return found


def _classify(doc: _Document, start: int) -> tuple[str, str, int] | None:
    """Return (kind, title, end) when the text after a number is an aspect or problem title."""
    key = doc.key
    for title_start, title_end, kind_text, match_end, quoted in _title_candidates(doc, start):
        kind = "aspect" if "方面" in kind_text else "problem"
        tail = _TAIL_RE.match(key, match_end)
        end = tail.end() if tail else match_end
        has_tail = bool(tail and "整改" in tail.group("tail"))
        needs_break = kind == "aspect" or not quoted
        if needs_break and not has_tail and not _ends_heading(doc, end):
            continue
        title = _clean_title(doc.text[title_start:title_end])
        if _plausible_title(title):
            return kind, title, end
    return None


def _plausible_title(title: str) -> bool:
    """A title is a short Chinese phrase, not a sentence or a run of numbers and symbols."""
    if any(char in title for char in "。；;") or _CIRCLED_RE.search(title):
        return False
    if _INNER_NUMBER_RE.search(title.translate(_KEY_TABLE)) or _GENERIC_TITLE_RE.fullmatch(title):
        return False
    words = [char for char in title if _CJK_RE.match(char) and char not in _CN_NUMERAL_CHARS]
    visible = [char for char in title if not char.isspace()]
    return len(words) >= 2 and len(words) * 2 >= len(visible)


def _announced_heading(
    doc: _Document, pos: int, line_ends: list[int], running: int
) -> _Heading | None:
    """A problem announced as 问题一：… or 【问题】…; its title runs to the end of the sentence."""
    key = doc.key
    match = _ANNOUNCED_RE.match(key, pos)
    if match is None:
        return None
    raw_number = match.group("n") or match.group("bn")
    number = (_cn_to_int(raw_number) if raw_number else running) or running
    start = match.end()
    # 问题一：关于“X”的问题 reads like any other problem heading.
    classified = _classify(doc, start)
    if classified is not None and classified[0] == "problem":
        return _Heading(pos, classified[2], "ann", number, "problem", classified[1])
    line_end = line_ends[bisect.bisect_right(line_ends, start)] if line_ends else len(key)
    end = min(line_end, len(key))
    sentence = re.compile(r"[。!?;]").search(key, start, end)
    if sentence is not None:
        end = sentence.end()
    label = _MEASURES_LABEL_RE.search(key, start, end)
    if label is not None:
        end = label.start()
    title = _clean_title(doc.text[start:end]).rstrip("。!?;！？；")
    if len(title) > _ANNOUNCED_TITLE_MAX:
        title = re.split("[，,]", title, maxsplit=1)[0][:_ANNOUNCED_TITLE_MAX]
    if len(_CJK_RE.findall(title)) < 2:
        return None
    return _Heading(pos, end, "ann", number, "problem", title)


def _scan_headings(doc: _Document) -> list[_Heading]:
    key = doc.key
    candidates = list(doc.line_starts)
    candidates.extend(m.end() for m in re.finditer(r"[。!?;:]", key))
    # Text pasted as one line still has "…情况（一）关于“X”问题的整改1.关于…".
    candidates.extend(m.start() for m in _GLUED_HEADING_RE.finditer(key))
    heapq.heapify(candidates)
    headings: list[_Heading] = []
    floor = 0
    seen: set[int] = set()
    line_ends = sorted(doc.line_ends)
    announced_count = 0
    while candidates:
        pos = heapq.heappop(candidates)
        if pos < floor or pos in seen or pos >= len(key):
            continue
        seen.add(pos)
        announced = _announced_heading(doc, pos, line_ends, announced_count + 1)
        if announced is not None:
            announced_count += 1
            headings.append(announced)
            floor = announced.end
            heapq.heappush(candidates, announced.end)
            continue
        number_match = _NUM_RE.match(key, pos)
        if number_match is None:
            continue
        style = number_match.lastgroup
        if style is None:
            continue
        raw_number = number_match.group(style)
        if style in ("circ", "pcirc"):
            number = ord(raw_number) - (0x2460 if style == "circ" else 0x2474) + 1
        else:
            parsed = _cn_to_int(raw_number)
            if parsed is None or parsed == 0:
                continue
            number = parsed
        classified = _classify(doc, number_match.end())
        if classified is None:
            headings.append(_Heading(pos, number_match.end(), style, number, None, ""))
            continue
        kind, title, end = classified
        headings.append(_Heading(pos, end, style, number, kind, title))
        floor = end
        # A heading glued to the next one ("在“X”方面1.关于…") has no break between them.
        heapq.heappush(candidates, end)
    return headings


def _starts_paragraph(doc: _Document, pos: int) -> bool:
    """Whether `pos` opens a line that follows a finished sentence."""
    if pos == 0:
        return True
    if pos not in doc.line_starts:
        return False
    before = doc.key[max(0, pos - 2) : pos]
    return before[-1:] in tuple("。!?") or (before[-1:] in tuple("”’)」") and before[:1] in "。!?")


def _choose_problem_style(relevant: list[_Heading]) -> str:
    """Pick the numbering style of problem headings.

    Under 方面 headings it is the first level of 关于…问题 headings inside them. Without them,
    an outer 关于…问题 level with at least as many headings inside it is an aspect, as in
    central inspection reports; a third such level ("(1)关于…") is detail inside a problem.
    """
    counts = Counter(h.style for h in relevant if h.kind == "problem")
    if not counts:
        counts = Counter(h.style for h in relevant)
    levels = sorted(counts, key=_STYLE_RANK.__getitem__)
    aspect_ranks = [h.rank for h in relevant if h.kind == "aspect"]
    if aspect_ranks:
        inner = [style for style in levels if _STYLE_RANK[style] > min(aspect_ranks)]
        if inner:
            return inner[0]
    if len(levels) >= 2 and counts[levels[1]] >= counts[levels[0]]:
        return levels[1]
    return levels[0]


def _choose_aspect_style(relevant: list[_Heading], problem_style: str) -> str | None:
    """Pick the outer style whose headings actually contain problems."""
    problem_rank = _STYLE_RANK[problem_style]
    outer_styles = {h.style for h in relevant if h.rank < problem_rank}
    best: tuple[int, float, str] | None = None
    for style in outer_styles:
        sequence = [h for h in relevant if h.style in (style, problem_style)]
        score = sum(
            1
            for current, following in zip(sequence, sequence[1:], strict=False)
            if current.style == style and following.style == problem_style
        )
        candidate = (score, _STYLE_RANK[style], style)
        if score > 0 and (best is None or candidate > best):
            best = candidate
    return best[2] if best else None


# ---------------------------------------------------------------------------
# Measures

_LABEL_RE = re.compile(
    r"[【\[]?[^。!?;:,【】\[\]]{0,12}?(?:结果|成效|情况|进展|措施|举措)\s*(?:[】\]]\s*:?|:)"
)
_MEASURE_FAMILIES = ("shi", "di", "cnd", "pcn", "ar", "par", "circ", "pcirc")
_TEXT_TRIM = " ；;，,、：:"


def _marker_tokens(family: str, number: int) -> tuple[str, ...]:
    cn = _int_to_cn(number)
    tokens: dict[str, tuple[str, ...]] = {
        "shi": (cn + "是",),
        "di": ("第" + cn + ",", "第" + cn + "、", "第" + cn + ":", "第" + cn + "是"),
        "cnd": (cn + "、", cn + "."),
        "pcn": (f"({cn})",),
        "ar": (f"{number}.", f"{number}、"),
        "par": (f"({number})",),
        "circ": (chr(0x245F + number),) if number <= 20 else (),
        "pcirc": (chr(0x2473 + number),) if number <= 20 else (),
    }
    return tokens[family]


def _at_boundary(key: str, pos: int, floor: int) -> bool:
    probe = pos - 1
    while probe >= floor and key[probe] == " ":
        probe -= 1
    return probe < floor or key[probe] in _BREAK_AFTER


def _find_marker(
    key: str, family: str, number: int, start: int, stop: int, floor: int
) -> tuple[int, int] | None:
    best: tuple[int, int] | None = None
    for token in _marker_tokens(family, number):
        index = key.find(token, start, stop)
        while index != -1:
            after = index + len(token)
            digit_follows = family == "ar" and after < len(key) and key[after].isdigit()
            if not digit_follows and _at_boundary(key, index, floor):
                if best is None or index < best[0]:
                    best = (index, after)
                break
            index = key.find(token, index + 1, stop)
    return best


def _markers(key: str, family: str, start: int, stop: int) -> list[tuple[int, int]]:
    found: list[tuple[int, int]] = []
    cursor = start
    number = 1
    while number <= 99:
        marker = _find_marker(key, family, number, cursor, stop, start)
        if marker is None:
            break
        found.append(marker)
        cursor = marker[1]
        number += 1
    return found


def _best_markers(key: str, start: int, stop: int, families: list[str]) -> list[tuple[int, int]]:
    best: list[tuple[int, int]] = []
    best_rank: tuple[int, int] | None = None
    for family in families:
        found = _markers(key, family, start, stop)
        if not found:
            continue
        # A real list has at least two items; among those the one that starts first is the
        # outer list and any other family is nested inside its items.
        rank = (0 if len(found) >= 2 else 1, found[0][0])
        if best_rank is None or rank < best_rank:
            best, best_rank = found, rank
    return best


def _clean_measure(text: str) -> str:
    return " ".join(text.split()).strip(_TEXT_TRIM)


def _measure_spans(
    doc: _Document, start: int, stop: int, markers: list[tuple[int, int]]
) -> list[tuple[int, int]]:
    if not markers:
        label = _LABEL_RE.match(doc.key, start)
        return [(label.end() if label and label.end() <= stop else start, stop)]
    spans = []
    for index, (_, text_start) in enumerate(markers):
        text_stop = markers[index + 1][0] if index + 1 < len(markers) else stop
        spans.append((text_start, text_stop))
    return spans


# ---------------------------------------------------------------------------
# Closing section of the last problem

_CLOSING_RE = re.compile(
    r"(?:(?:[一二三四五六七八九十]{1,3}|\d{1,2})\s*[、.]|\([一二三四五六七八九十]{1,3}\))?\s*"
    r"(?:下一步|下步|下一阶段|下阶段|今后一个时期|今后一段时期|今后)"
)
_CONTACT_RE = re.compile(
    r"联系电话|联系方式|邮政信箱|电子邮箱|电子信箱|通信地址|通讯地址|举报电话|来信来电"
    r"|欢迎(?:广大|社会各界|各界|干部群众|党员干部|人民群众)"
)
_SIGNATURE_RE = re.compile(
    r"[^，,。；;]{0,60}(?:\d{4}\s*年\s*\d{1,2}\s*月\s*\d{1,2}\s*日"
    r"|委员会|党委|党组|党工委|办公室|巡视组|巡察组|领导小组)\s*"
)


# A section after the problems that is never a problem: 三、下一步工作打算, 联系电话：…
_CLOSING_HEADING_RE = re.compile(
    r"\s*(?:下一步|下步|下一阶段|下阶段|今后一个时期|今后一段时期|今后工作|联系电话|联系方式"
    r"|邮政信箱|电子邮箱|电子信箱|通信地址|通讯地址|举报电话|监督电话)"
)
_CLOSING_LINE_RE = re.compile(
    r"(?:下一步|下步|下一阶段|下阶段)(?:的)?(?:工作)?(?:打算|安排|计划|思路|举措)[^。!?;]{0,10}$"
    r"|(?:联系电话|联系方式|邮政信箱|电子邮箱|电子信箱|通信地址|通讯地址|举报电话|监督电话)"
)


def _closing_section(
    doc: _Document, headings: list[_Heading], first_problem: int, problem_rank: float
) -> int | None:
    """Where the trailing section (next steps, contacts) after the first problem begins.

    A numbered heading at the level of problems or above that opens with 下一步 or a contact
    ends the problems, as does a paragraph that is just 下一步工作打算 or opens with 联系电话;
    a numbered 下一步 deeper down is a measure's own plan and ends nothing.
    """
    key = doc.key
    cut: int | None = None
    for heading in headings:
        if heading.start <= first_problem or heading.kind or heading.rank > problem_rank:
            continue
        if _CLOSING_HEADING_RE.match(key, heading.end) and _starts_paragraph(doc, heading.start):
            cut = heading.start
            break
    line_ends = sorted(doc.line_ends)
    for start in sorted(doc.line_starts):
        if start <= first_problem or (cut is not None and start >= cut):
            continue
        end = line_ends[bisect.bisect_right(line_ends, start)]
        if _CLOSING_LINE_RE.match(key[start:end].strip()) and _starts_paragraph(doc, start):
            return start
    return cut


def _closing_start(doc: _Document, start: int, stop: int) -> int:
    """Where the next-steps, contact or signature text after the last measure begins."""
    key = doc.key
    cut = stop
    for boundary in re.finditer(r"[。!?;]", key[start:stop]):
        pos = start + boundary.end()
        if _CLOSING_RE.match(key, pos):
            cut = pos
            break
    contact = _CONTACT_RE.search(key, start, cut)
    if contact:
        sentence_start = max(key.rfind(end, start, contact.start()) for end in _SENTENCE_END)
        cut = sentence_start + 1 if sentence_start >= start else contact.start()
    sentence_end = max(key.rfind(end, start, cut) for end in _SENTENCE_END)
    if sentence_end >= start and _SIGNATURE_RE.fullmatch(key, sentence_end + 1, cut):
        cut = sentence_end + 1
    return cut


# ---------------------------------------------------------------------------
# Declared totals

_N = r"(?P<n>\d{1,4}|[" + _CN_NUMERAL_CHARS + r"]{1,8})"
_N_ANON = r"(?:\d{1,4}|[" + _CN_NUMERAL_CHARS + r"]{1,8})"
_DECLARED_PATTERNS: dict[str, tuple[re.Pattern[str], ...]] = {
    "aspects": (
        re.compile(_N + r"\s*(?:个|项|大)\s*方面"),
        re.compile(_N + r"\s*(?:项|类)\s*(?=" + _N_ANON + r"\s*(?:个|项|条)\s*(?:具体)?问题)"),
    ),
    "problems": (
        re.compile(_N + r"\s*(?:个|项|条)\s*(?:具体)?问题(?!线索)"),
        re.compile(
            r"方面\s*"
            + _N
            + r"\s*(?:项|个)\s*(?="
            + _N_ANON
            + r"\s*(?:条|项)\s*(?:具体)?(?:整改)?(?:措施|任务|举措))"
        ),
        re.compile(
            r"(?:反馈|指出|提出|发现|移交)(?:的)?(?:具体)?问题\s*(?:共|共计|合计)?\s*"
            + _N
            + r"\s*(?:个|项|条)"
        ),
    ),
    "measures": (
        re.compile(_N + r"\s*(?:条|项|个)\s*(?:具体)?(?:整改)?(?:措施|举措)"),
        re.compile(r"(?:整改)?(?:措施|举措)\s*(?:共|共计|合计)?\s*" + _N + r"\s*(?:条|项|个)"),
    ),
}
# Counts of what is already done or still open are not the totals.
_PROGRESS_BEFORE = ("已", "完成", "正在", "尚未", "剩余", "其中", "推进")
_PROGRESS_AFTER = ("已", "完成", "正在", "未", "办结")


# A count is the plan's when the words just before it, in its own clause, tell of drawing up
# the plan (制定方案, 明确…) and not of what the inspection found, and no earlier clause of the
# sentence names the feedback's findings: "反馈意见指出的4项13个问题，细化分解为80条整改措施"
# states the feedback's problems and their measures in one breath, as the text's own.
_PLAN_WORDS = ("方案", "明确", "制定", "细化", "分解", "形成", "梳理", "建立", "列出", "拟定")
_OWN_WORDS = ("反馈", "指出", "发现", "移交", "巡视", "巡察", "共", "合计")
_FINDINGS_WORDS = ("指出", "反馈的", "发现的", "反馈意见中", "提出的")
_SENTENCE_END_RE = re.compile(r"[。!?;]")
_CLAUSE_END = ",;:。"


def _first_count(key: str, kind: str) -> tuple[int, int] | None:
    """The first count of `kind` in `key`: (where its phrase starts, its value)."""
    hits: list[tuple[int, int]] = []
    for pattern in _DECLARED_PATTERNS[kind]:
        for match in pattern.finditer(key):
            before = key[max(0, match.start("n") - 4) : match.start("n")]
            after = key[match.end() : match.end() + 3].lstrip()
            if before.endswith("第") or any(word in before for word in _PROGRESS_BEFORE):
                continue
            if not after.startswith(("已全部", "全部")) and after.startswith(_PROGRESS_AFTER):
                continue
            value = _count_value(match.group("n"))
            if value:
                hits.append((match.start(), value))
                break
    return min(hits) if hits else None


def _of_the_plan(sentence: str, at: int) -> bool:
    clause_start = max(sentence.rfind(mark, 0, at) for mark in _CLAUSE_END) + 1
    clause = sentence[clause_start:at]
    if not any(w in clause for w in _PLAN_WORDS) or any(w in clause for w in _OWN_WORDS):
        return False
    return not any(w in sentence[:clause_start] for w in _FINDINGS_WORDS)


def _sentences(doc: _Document, start: int, stop: int) -> list[tuple[str, str]]:
    """The sentences of doc[start:stop], each as (key, text as written)."""
    found, begin = [], start
    for end in [m.end() for m in _SENTENCE_END_RE.finditer(doc.key, start, stop)] + [stop]:
        if doc.key[begin:end].strip():
            found.append((doc.key[begin:end], doc.text[begin:end].strip()))
        begin = end
    return found


def _declared(doc: _Document, spans: list[tuple[int, int]]) -> Declared:
    """The totals the text announces, each from the first sentence stating it as the text's
    own; failing that, from the first sentence stating it as the plan's."""
    sentences = [s for start, stop in spans for s in _sentences(doc, start, stop)]
    values: dict[str, int | None] = {}
    said: dict[str, str] = {}
    of_the_plan: set[str] = set()
    for kind in ("aspects", "problems", "measures"):
        own = plan = None
        for key, text in sentences:
            hit = _first_count(key, kind)
            if hit is None:
                continue
            if not _of_the_plan(key, hit[0]):
                own = (hit[1], text)
                break
            plan = plan or (hit[1], text)
        chosen = own or plan
        values[kind] = chosen[0] if chosen else None
        if chosen:
            said[kind] = chosen[1]
            if own is None:
                of_the_plan.add(kind)
    return Declared(**values, sentences=said, of_the_plan=frozenset(of_the_plan))


# ---------------------------------------------------------------------------
# Entry point


def _check_input(text: str) -> None:
    if not isinstance(text, str):
        raise FeedbackParseError("请粘贴文本内容。")
    if len(text) > MAX_TEXT_CHARS:
        raise FeedbackParseError(
            f"文本过长（{len(text)}个字符，上限{MAX_TEXT_CHARS}个），请只粘贴反馈意见或整改通报正文。"
        )
    if not text.strip():
        raise FeedbackParseError("文本为空，请粘贴巡视巡察反馈意见或整改进展情况通报的全文。")
    if len(_CONTROL_RE.findall(text)) > max(10, len(text) // 100):
        raise FeedbackParseError("文本中含有大量无法识别的字符，似乎不是反馈意见或整改通报。")
    if len(_CJK_RE.findall(text)) < 10:
        raise FeedbackParseError("文本中几乎没有中文内容，无法识别为巡视巡察反馈意见或整改通报。")


def _declared_phrase(declared: Declared) -> str:
    parts = []
    if declared.aspects:
        parts.append(f"{declared.aspects}个方面")
    if declared.problems:
        parts.append(f"{declared.problems}个问题")
    if declared.measures:
        parts.append(f"{declared.measures}条整改措施")
    return "、".join(parts)


def parse_feedback(text: str) -> ParseResult:
    """Parse the pasted text; raise FeedbackParseError when no problem can be recognised."""
    _check_input(text)
    doc = _clean(text)
    headings = _scan_headings(doc)
    relevant = [h for h in headings if h.kind]
    if not relevant:
        declared = _declared(doc, [(0, len(doc.key))])
        phrase = _declared_phrase(declared)
        hint = f"（文中称共{phrase}）" if phrase else ""
        raise FeedbackParseError(
            "未识别出任何问题：没有找到“（一）关于……问题的整改”或“1、关于……问题的整改”"
            f"这类问题标题{hint}。"
        )

    problem_style = _choose_problem_style(relevant)
    aspect_style = _choose_aspect_style(relevant, problem_style)
    problem_rank = _STYLE_RANK[problem_style]
    warnings: list[str] = []
    first_problem = min(h.start for h in relevant if h.style == problem_style)
    doc_end = _closing_section(doc, headings, first_problem, problem_rank) or len(doc.key)
    headings = [h for h in headings if h.start < doc_end]

    # Decide which numbered lines structure the document; the rest stay inside measure text.
    events: list[tuple[str, _Heading]] = []
    last_number: int | None = None
    for heading in headings:
        if heading.style == problem_style and heading.kind:
            events.append(("problem", heading))
            last_number = heading.number
        elif heading.style == aspect_style and heading.kind:
            events.append(("aspect", heading))
            last_number = None
        elif not _starts_paragraph(doc, heading.start):
            # "…包括：（一）…；（二）…" is a list inside a measure, not a section heading.
            continue
        elif heading.rank < problem_rank:
            events.append(("stop", heading))
            last_number = None
        elif (
            heading.style == problem_style
            and last_number is not None
            and heading.number == last_number + 1
        ):
            snippet = _clean_title(doc.text[heading.start : heading.start + 30])
            warnings.append(f"“{snippet}…”编号紧接上一个问题，但不是“关于……问题”格式，已忽略。")
            events.append(("stop", heading))
            last_number = None

    raw: list[tuple[_Heading, str | None, int, int]] = []
    aspects: list[str] = []
    current_aspect: str | None = None
    for index, (role, heading) in enumerate(events):
        body_stop = events[index + 1][1].start if index + 1 < len(events) else doc_end
        if role == "problem":
            raw.append((heading, current_aspect, heading.end, body_stop))
        elif role == "aspect":
            following = events[index + 1][0] if index + 1 < len(events) else None
            body = doc.key[heading.end : body_stop].strip()
            if following == "problem":
                current_aspect = heading.title
                aspects.append(heading.title)
            elif heading.kind == "problem" and body:
                # A top-level problem without sub-problems, beside others that have them.
                current_aspect = None
                raw.append((heading, None, heading.end, body_stop))
            else:
                current_aspect = None
                if raw:
                    warnings.append(f"方面“{heading.title}”下未解析出问题。")
        elif aspect_style is None or heading.rank <= _STYLE_RANK[aspect_style]:
            current_aspect = None

    if not raw:
        raise FeedbackParseError("未识别出任何问题：找到了标题，但其下没有可识别的问题。")

    families = ["shi", "di"] + [
        family
        for family in _MEASURE_FAMILIES[2:]
        if _STYLE_RANK[family] > problem_rank and family != aspect_style
    ]
    problems: list[ParsedProblem] = []
    tail_start = raw[-1][3]
    for index, (heading, aspect, start, stop) in enumerate(raw):
        if heading.style == "ann":
            label = _MEASURES_LABEL_RE.search(doc.key, start, stop)
            start = label.end() if label else start
        markers = _best_markers(doc.key, start, stop, families)
        is_last = index == len(raw) - 1
        if is_last and stop == doc_end:
            after_last_marker = markers[-1][1] if markers else start
            stop = _closing_start(doc, after_last_marker, stop)
            tail_start = stop
        measures: list[ParsedMeasure] = []
        for text_start, text_stop in _measure_spans(doc, start, stop, markers):
            text = _clean_measure(doc.text[text_start:text_stop])
            if text:
                measures.append(ParsedMeasure(seq=len(measures) + 1, text=text))
        problems.append(
            ParsedProblem(aspect=aspect, seq=index + 1, title=heading.title, measures=measures)
        )
        if not measures:
            warnings.append(f"问题“{heading.title}”未解析出整改措施。")

    warnings.extend(_numbering_warnings(raw, problem_style))

    first_start = min(heading.start for role, heading in events if role != "stop")
    declared = _declared(doc, [(0, first_start), (tail_start, len(doc.key))])
    warnings.extend(_total_warnings(declared, len(aspects), problems))
    if doc.continued:
        warnings.append(f"原文注明“{doc.continued[-1]}”，后续内容可能未粘贴。")

    return ParseResult(declared=declared, problems=problems, aspects=aspects, warnings=warnings)


def _numbering_warnings(
    raw: list[tuple[_Heading, str | None, int, int]], problem_style: str
) -> list[str]:
    """Point at numbering gaps, the usual sign of a problem heading that was not recognised."""
    warnings: list[str] = []
    if raw[0][0].style == problem_style and raw[0][0].number != 1:
        warnings.append(f"第一个问题的编号是{raw[0][0].number}，前面的问题可能未粘贴或未识别。")
    for (previous, previous_aspect, _, _), (heading, aspect, _, _) in zip(
        raw, raw[1:], strict=False
    ):
        if previous.style != problem_style or heading.style != problem_style:
            continue
        restarted = aspect != previous_aspect and heading.number == 1
        if heading.number != previous.number + 1 and not restarted:
            warnings.append(
                f"问题编号不连续：{previous.number}之后是{heading.number}，可能有问题标题未识别。"
            )
    return warnings


def _total_warnings(declared: Declared, aspects: int, problems: list[ParsedProblem]) -> list[str]:
    """A difference between a total the text states as its own and what was found; the
    plan's totals are not compared (Declared.of_the_plan)."""
    found_measures = sum(len(problem.measures) for problem in problems)
    stated = declared.compared()
    checks = (
        (stated.get("aspects"), aspects, "个方面", "个"),
        (stated.get("problems"), len(problems), "个问题", "个"),
        (stated.get("measures"), found_measures, "条整改措施", "条"),
    )
    return [
        f"文中称共{said}{noun}，解析出{found}{unit}。"
        for said, found, noun, unit in checks
        if said is not None and said != found
    ]
