"""A Word run of the offline agent over real HTTP: a report from a CSV, then follow-up turns
that move its chart and add a section, judged by python-docx after every turn."""

import io
import os
import unittest

import docx

from harness import SharedServer

SHARED = os.environ.get("QUIRE_SHARED_DIR", "")


def outline(data):
    """The headings (style, text) and captions of a .docx, in document order."""
    document = docx.Document(io.BytesIO(data))
    out = []
    for paragraph in document.paragraphs:
        style = paragraph.style.name
        if style == "Title" or style.startswith("Heading") or style == "Caption":
            out.append((style, paragraph.text))
        elif paragraph._p.xpath(".//c:chart"):
            out.append(("chart", ""))
    return out


class WordRunTest(SharedServer, unittest.TestCase):
    def turn(self, **body):
        response = self.server.generate(self.key, "word", **body)
        self.assertEqual(response.status, 200, response)
        result = response.json()
        self.assertEqual(result["status"], "completed", result)
        data = self.server.request("GET", result["download_url"])
        self.assertEqual(data.status, 200, data)
        return result, outline(data.body)

    def test_report_then_move_the_chart_then_add_a_section(self):
        with open(os.path.join(SHARED, "data", "sp500.csv"), "rb") as f:
            upload = self.server.upload(self.key, "sp500.csv", f.read())
        self.assertIn(upload.status, (200, 201), upload)
        file_id = upload.json()["file_id"]

        first, shape = self.turn(prompt="Write a report from this data",
                                 data_sources=[{"file_id": file_id, "kind": "csv"}])
        self.assertEqual(shape, [
            ("Title", "Report on sp500"), ("Heading 1", "Executive summary"),
            ("Heading 1", "Chart"), ("chart", ""), ("Caption", "Figure 1: price over date"),
            ("Heading 1", "Data"), ("Caption", "Table 1: sp500.csv")])
        self.assertGreaterEqual(first["usage"]["tool_calls"], 1)
        run_id = first["run_id"]

        second, shape = self.turn(prompt="Move the chart to the executive summary", run_id=run_id)
        self.assertIn("Moved the chart", second["summary"])
        self.assertIn('Removed the section "Chart" the report had made for the chart, now empty',
                      second["summary"])
        self.assertEqual(shape, [
            ("Title", "Report on sp500"), ("Heading 1", "Executive summary"), ("chart", ""),
            ("Caption", "Figure 1: price over date"),
            ("Heading 1", "Data"), ("Caption", "Table 1: sp500.csv")])

        third, shape = self.turn(prompt="Add a section Risks after Summary. Paint it gold.",
                                 run_id=run_id)
        self.assertIn('Added section "Risks" after "Executive summary"', third["summary"])
        self.assertIn('Not acted on (the offline agent does not understand it): "Paint it gold"',
                      third["summary"])
        self.assertEqual(shape, [
            ("Title", "Report on sp500"), ("Heading 1", "Executive summary"), ("chart", ""),
            ("Caption", "Figure 1: price over date"), ("Heading 1", "Risks"),
            ("Heading 1", "Data"), ("Caption", "Table 1: sp500.csv")])

    def test_a_memo_without_data_has_its_sections_and_no_figures(self):
        _, shape = self.turn(prompt="Write a memo about the offsite with sections Agenda, "
                                    "Travel and Budget")
        self.assertEqual(shape, [("Title", "Offsite"), ("Heading 1", "Agenda"),
                                 ("Heading 1", "Travel"), ("Heading 1", "Budget")])


if __name__ == "__main__":
    unittest.main()
