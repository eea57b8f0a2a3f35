"""Checks the structure of Quire's PowerPoint decks with Python's zipfile and ElementTree.

Usage: pptx_oracle.py PPTX_SAMPLE_WRITER SOURCE_DIR

No independent PowerPoint reader is installed here (python-pptx is not packaged for this
system), so this is a structural check, not a rendering one: every part parses as XML and has a
content type, every internal relationship target exists, slide ids are unique and in range, every
slide has one slide layout, and the titles are where the outline says. It checks a built deck
with a slide appended, then appends a slide to each readable corpus deck and checks that the
append added no new problem and left every other part byte for byte.
Run it with Debian's /usr/bin/python3.
"""

import csv
import os
import posixpath
import subprocess
import sys
import tempfile
import zipfile
import xml.etree.ElementTree as ET
from urllib.parse import unquote

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "..", "..", "tests", "support"))
import oracle_checks  # noqa: E402

CT_NS = "{http://schemas.openxmlformats.org/package/2006/content-types}"
REL_NS = "{http://schemas.openxmlformats.org/package/2006/relationships}"
PML_NAMESPACES = ["http://schemas.openxmlformats.org/presentationml/2006/main",
                  "http://purl.oclc.org/ooxml/presentationml/main"]
DML_NAMESPACES = ["http://schemas.openxmlformats.org/drawingml/2006/main",
                  "http://purl.oclc.org/ooxml/drawingml/main"]
R_NAMESPACES = ["http://schemas.openxmlformats.org/officeDocument/2006/relationships",
                "http://purl.oclc.org/ooxml/officeDocument/relationships"]
SLIDE_CT = "application/vnd.openxmlformats-officedocument.presentationml.slide+xml"
LAYOUT_CT = "application/vnd.openxmlformats-officedocument.presentationml.slideLayout+xml"

checks = oracle_checks.Checks()
check = checks.check


class Deck:
    """A pptx read with zipfile: parts, content types, relationships."""

    def __init__(self, path):
        self.zip = zipfile.ZipFile(path)
        self.names = [n for n in self.zip.namelist() if not n.endswith("/")]
        self.lower = {n.lower(): n for n in self.names}
        types = ET.fromstring(self.zip.read(self.lower["[content_types].xml"]))
        self.defaults = {e.get("Extension").lower(): e.get("ContentType")
                         for e in types.iter(CT_NS + "Default")}
        self.overrides = {e.get("PartName").lstrip("/").lower(): e.get("ContentType")
                          for e in types.iter(CT_NS + "Override")}

    def read(self, name):
        return self.zip.read(self.lower[name.lower()])

    def has(self, name):
        return name.lower() in self.lower

    def content_type(self, name):
        if name.lower() in self.overrides:
            return self.overrides[name.lower()]
        base = name.rsplit("/", 1)[-1]
        extension = base.rsplit(".", 1)[-1] if "." in base else ""
        return self.defaults.get(extension.lower())

    def rels(self, source):
        folder, base = posixpath.split(source)
        rels_name = posixpath.join(folder, "_rels", base + ".rels")
        if not self.has(rels_name):
            return []
        result = []
        for rel in ET.fromstring(self.read(rels_name)).iter(REL_NS + "Relationship"):
            external = (rel.get("TargetMode") or "").lower() == "external"
            target = rel.get("Target")
            if not external:
                joined = target[1:] if target.startswith("/") else posixpath.join(folder, target)
                target = posixpath.normpath(unquote(joined)).lstrip("/")
            result.append((rel.get("Id"), rel.get("Type"), target, external))
        return result

    def main_part(self):
        for _, rel_type, target, external in self.rels(""):
            if rel_type.endswith("/officeDocument") and not external:
                return target
        return None


def local(tag):
    return tag.rsplit("}", 1)[-1]


def find(element, names, local_name):
    for ns in names:
        found = element.find(f"{{{ns}}}{local_name}")
        if found is not None:
            return found
    return None


def attr(element, names, local_name):
    for ns in names:
        value = element.get(f"{{{ns}}}{local_name}")
        if value is not None:
            return value
    return None


def problems(deck):
    """Every structural problem of a deck, as a set of sentences."""
    found = set()
    for name in deck.names:
        if name.lower() == "[content_types].xml":
            continue
        if deck.content_type(name) is None:
            found.add(f"{name} has no content type")
        if name.lower().endswith((".xml", ".rels")):
            try:
                ET.fromstring(deck.read(name))
            except ET.ParseError as error:
                found.add(f"{name} is not well-formed: {error}")
        if name.lower().endswith(".rels"):
            continue
        for rel_id, _, target, external in deck.rels(name):
            if not external and not deck.has(target):
                found.add(f"{name} {rel_id} points at missing {target}")
    for rel_id, _, target, external in deck.rels(""):
        if not external and not deck.has(target):
            found.add(f"package {rel_id} points at missing {target}")

    main = deck.main_part()
    if main is None or not deck.has(main):
        return found | {"no presentation part"}
    presentation = ET.fromstring(deck.read(main))
    rels = {rel_id: target for rel_id, _, target, external in deck.rels(main) if not external}
    slide_ids, slide_rids = [], []
    id_list = find(presentation, PML_NAMESPACES, "sldIdLst")
    for slide in (id_list if id_list is not None else []):
        slide_ids.append(int(slide.get("id")))
        slide_rids.append(attr(slide, R_NAMESPACES, "id"))
    if len(set(slide_ids)) != len(slide_ids):
        found.add("slide ids are not unique")
    if len(set(slide_rids)) != len(slide_rids):
        found.add("two slide ids share a relationship")
    for slide_id in slide_ids:
        if not 256 <= slide_id < 2**31:
            found.add(f"slide id {slide_id} is out of range")
    for rel_id in slide_rids:
        part = rels.get(rel_id)
        if part is None or deck.content_type(part) != SLIDE_CT:
            found.add(f"slide relationship {rel_id} does not lead to a slide")
            continue
        layouts = [t for _, rel_type, t, _ in deck.rels(part) if rel_type.endswith("/slideLayout")]
        if len(layouts) != 1 or deck.content_type(layouts[0]) != LAYOUT_CT:
            found.add(f"{part} does not have exactly one slide layout")
    return found


def slide_parts(deck):
    main = deck.main_part()
    presentation = ET.fromstring(deck.read(main))
    rels = {rel_id: target for rel_id, _, target, _ in deck.rels(main)}
    id_list = find(presentation, PML_NAMESPACES, "sldIdLst")
    return [rels[attr(s, R_NAMESPACES, "id")] for s in (id_list if id_list is not None else [])]


def shape_texts(deck, slide_part):
    """(placeholder type or None, text) of each shape on a slide."""
    slide = ET.fromstring(deck.read(slide_part))
    result = []
    for shape in slide.iter():
        if local(shape.tag) != "sp":
            continue
        placeholder = [e for e in shape.iter() if local(e.tag) == "ph"]
        texts = [e.text or "" for e in shape.iter()
                 if local(e.tag) == "t" and e.tag.split("}")[0][1:] in DML_NAMESPACES]
        result.append((placeholder[0].get("type") if placeholder else None, "".join(texts)))
    return result


def run(writer, *args):
    subprocess.run([writer, *args], check=True)


def check_built_deck(writer, work):
    built = os.path.join(work, "built.pptx")
    appended = os.path.join(work, "appended.pptx")
    run(writer, "build", built, "Quire deck title", "Subtitle & more")
    run(writer, "append", built, appended, "Second slide", "Body <text>")
    for path in (built, appended):
        check(not problems(Deck(path)), f"{os.path.basename(path)}: {problems(Deck(path))}")
    deck = Deck(appended)
    slides = slide_parts(deck)
    check(len(slides) == 2, f"appended deck has {len(slides)} slides")
    check(shape_texts(deck, slides[0]) == [("ctrTitle", "Quire deck title"),
                                           ("subTitle", "Subtitle & more")],
          f"first slide shapes are {shape_texts(deck, slides[0])}")
    check(shape_texts(deck, slides[1]) == [("title", "Second slide"), (None, "Body <text>")],
          f"second slide shapes are {shape_texts(deck, slides[1])}")
    presentation = ET.fromstring(deck.read("ppt/presentation.xml"))
    size = find(presentation, PML_NAMESPACES, "sldSz")
    check((size.get("cx"), size.get("cy")) == ("12192000", "6858000"), "slide size is not 16:9")
    for part in ("ppt/presProps.xml", "ppt/viewProps.xml", "ppt/tableStyles.xml",
                 "ppt/theme/theme1.xml", "docProps/core.xml", "docProps/app.xml"):
        check(deck.has(part), f"built deck has no {part}")


def corpus_decks(shared):
    with open(os.path.join(shared, "corpus", "MANIFEST.tsv"), newline="") as manifest:
        for row in csv.DictReader(manifest, delimiter="\t"):
            if row["file"].startswith("pptx/") and not row["features"].startswith("hostile:"):
                yield os.path.join(shared, "corpus", row["file"])


def check_corpus(writer, work, shared):
    checked = 0
    for index, path in enumerate(corpus_decks(shared)):
        name = os.path.basename(path)
        out = os.path.join(work, f"corpus-{index}.pptx")
        run(writer, "append", path, out, "Appended title", "Appended body")
        before, after = Deck(path), Deck(out)
        new_problems = problems(after) - problems(before)
        check(not new_problems, f"{name}: append added problems {sorted(new_problems)}")
        check(len(slide_parts(after)) == len(slide_parts(before)) + 1,
              f"{name}: slide count did not grow by one")
        last = slide_parts(after)[-1]
        check(("title", "Appended title") in shape_texts(after, last),
              f"{name}: the last slide is {last} without the appended title")

        main = before.main_part()
        main_rels = posixpath.join(posixpath.dirname(main), "_rels",
                                   posixpath.basename(main) + ".rels")
        changed = {"[content_types].xml", main.lower(), main_rels.lower()}
        added = set(n.lower() for n in after.names) - set(n.lower() for n in before.names)
        check(added == {last.lower(), posixpath.join(posixpath.dirname(last), "_rels",
                                                     posixpath.basename(last) + ".rels").lower()},
              f"{name}: added parts {sorted(added)}")
        for part in before.names:
            if part.lower() not in changed:
                check(before.read(part) == after.read(part), f"{name}: {part} changed")
        checked += 1
    check(checked >= 20, f"only {checked} corpus decks were checked")
    return checked


def main():
    writer, source_dir = oracle_checks.arguments(__doc__, 2)
    shared = oracle_checks.shared_dir(os.path.join(source_dir, "..", "shared"))
    with tempfile.TemporaryDirectory() as work:
        check_built_deck(writer, work)
        checked = check_corpus(writer, work, shared)
    print(f"built deck and {checked} corpus decks checked")
    return checks.finish("pptx")


if __name__ == "__main__":
    sys.exit(main())
