"""Guidelines are written in Markdown by a project's managers and read by every member.

Rendered by markdown-it-py's "js-default" preset: CommonMark with tables and
strikethrough, raw HTML off (a <script> or an <img onerror=…> in the text is shown as
text, escaped) and every link checked (no javascript:, vbscript:, file: or data: URLs):
nothing a manager writes runs in a member's browser.
"""

from django.utils.safestring import SafeString, mark_safe
from markdown_it import MarkdownIt

_MARKDOWN = MarkdownIt("js-default")


def guidelines_html(text: str) -> SafeString:
    """The guidelines as HTML, safe to put in a page as it is."""
    html: str = _MARKDOWN.render(text)
    return mark_safe(html)  # noqa: S308 (raw HTML off, links checked)
