"""Site table rows: the web's working tools (see :mod:`composer.embeds.sites` for how rows are read).

Each player shows only what its owner has shared publicly; a private document shows the
site's own sign-in or error page inside the frame, never anything of the forum's.

Left to oEmbed (or a plain link), since the player needs what the sandbox or the URL lacks:

- Google Forms, Typeform: a form needs ``allow-forms``, which the fixed sandbox withholds.
- GitHub Gist: rendered by a script in the page, not an iframe.
- goo.gl/maps, maps.app.goo.gl: short links whose place is behind a redirect; Google Maps
  URLs without coordinates (a search) have no fixed place either.
- Slideshare, Speaker Deck: the player's numeric id is only in the page.
"""

from __future__ import annotations

from composer.embeds.sites_row import Site

__all__ = ["TOOLS"]

_GOOGLE_ID = r"(?P<id>[\w-]{20,100})(?![\w-])"
_LAT = r"(?P<lat>-?\d{1,2}(?:\.\d{1,10})?)"
_LNG = r"(?P<lng>-?\d{1,3}(?:\.\d{1,10})?)"

TOOLS: tuple[Site, ...] = (
    Site(
        "codepen",
        "CodePen",
        ("codepen.io",),
        (
            r"^(?:www\.)?codepen\.io/(?P<user>[\w-]{1,60})/(?:pen|full|details|embed(?:/preview)?|debug|live)/"
            r"(?P<id>[A-Za-z0-9]{4,12})(?![A-Za-z0-9])",
        ),
        ("https://codepen.io/{user}/embed/{id}?default-tab=result",),
        width=640,
        height=400,
        allow="clipboard-write; fullscreen",
    ),
    Site(
        "jsfiddle",
        "JSFiddle",
        ("jsfiddle.net",),
        (
            r"^(?:www\.)?jsfiddle\.net/(?:(?P<user>(?!(?:user|api|embedded|show)/)[\w-]{1,60})/)?"
            r"(?!(?:embedded|show)(?:[/?#]|$))(?P<id>[A-Za-z0-9]{5,12})(?:/\d{1,4})?/?(?:embedded/?[\w,/]*)?(?:[?#]|$)",
        ),
        ("https://jsfiddle.net/{user}/{id}/embedded/", "https://jsfiddle.net/{id}/embedded/"),
        width=640,
        height=400,
        allow="clipboard-write; fullscreen",
    ),
    Site(
        "codesandbox",
        "CodeSandbox",
        ("codesandbox.io",),
        (r"^(?:www\.)?codesandbox\.io/(?:s|embed|p/sandbox|p/devbox)/(?P<id>[\w-]{2,100})(?![\w-])",),
        ("https://codesandbox.io/embed/{id}",),
        width=640,
        height=500,
        allow="clipboard-write; fullscreen",
    ),
    Site(
        "replit",
        "Replit",
        ("replit.com", "repl.it"),
        (r"^(?:www\.)?(?:replit\.com|repl\.it)/@(?P<user>[\w-]{1,60})/(?P<repl>[\w-]{1,100})(?![\w.-])",),
        ("https://replit.com/@{user}/{repl}?embed=true",),
        width=640,
        height=500,
        allow="clipboard-write; fullscreen",
    ),
    Site(
        "stackblitz",
        "StackBlitz",
        ("stackblitz.com",),
        (r"^(?:www\.)?stackblitz\.com/edit/(?P<id>[\w-]{2,100})(?![\w-])",),
        ("https://stackblitz.com/edit/{id}?embed=1",),
        width=640,
        height=500,
        allow="clipboard-write; fullscreen",
    ),
    Site(
        "trinket",
        "Trinket",
        ("trinket.io",),
        (
            r"^(?:www\.)?trinket\.io/(?:embed/)?(?P<kind>python|python3|glowscript|html|java|blocks|pygame|music)/"
            r"(?P<id>[0-9a-f]{8,12})(?![0-9a-f])",
        ),
        ("https://trinket.io/embed/{kind}/{id}",),
        width=640,
        height=400,
        allow="fullscreen",
    ),
    Site(
        "p5js",
        "p5.js Web Editor",
        ("editor.p5js.org",),
        (r"^editor\.p5js\.org/(?P<user>[\w-]{1,60})/(?:sketches|full|embed)/(?P<id>[\w-]{6,20})(?![\w-])",),
        ("https://editor.p5js.org/{user}/full/{id}",),
        width=640,
        height=480,
        allow="fullscreen",
    ),
    Site(
        "googlemaps",
        "Google Maps",
        ("google.com",),
        (
            r"^(?:www\.|maps\.)?google\.com/maps/(?:place/(?P<place>[^/?#@]{1,200})/)?@"
            + _LAT
            + ","
            + _LNG
            + r","
            r"(?P<zoom>\d{1,2})(?:\.\d{1,10})?z",
            # the player's own URLs, as the templates write them
            r"^maps\.google\.com/maps\?q=" + _LAT + "," + _LNG + r"&z=(?P<zoom>\d{1,2})&output=embed$",
            r"^maps\.google\.com/maps\?q=(?P<place>[^&#]{1,600})&ll="
            + _LAT
            + ","
            + _LNG
            + r"&z=(?P<zoom>\d{1,2})"
            r"&output=embed$",
        ),
        (
            "https://maps.google.com/maps?q={place}&ll={lat},{lng}&z={zoom}&output=embed",
            "https://maps.google.com/maps?q={lat},{lng}&z={zoom}&output=embed",
        ),
        width=640,
        height=450,
        allow="fullscreen",
    ),
    Site(
        "googledrive",
        "Google Drive",
        ("drive.google.com",),
        (
            r"^drive\.google\.com/file/(?:u/\d/)?d/" + _GOOGLE_ID,
            r"^drive\.google\.com/open\?(?:[^#]*&)?id=" + _GOOGLE_ID,
        ),
        ("https://drive.google.com/file/d/{id}/preview",),
        width=640,
        height=480,
        allow="autoplay; fullscreen",
    ),
    Site(
        "googledocs",
        "Google Docs",
        ("docs.google.com",),
        (r"^docs\.google\.com/document/(?:u/\d/)?d/" + _GOOGLE_ID,),
        ("https://docs.google.com/document/d/{id}/preview",),
        width=640,
        height=480,
        allow="fullscreen",
    ),
    Site(
        "googleslides",
        "Google Slides",
        ("docs.google.com",),
        (r"^docs\.google\.com/presentation/(?:u/\d/)?d/" + _GOOGLE_ID,),
        ("https://docs.google.com/presentation/d/{id}/embed",),
        width=640,
        height=389,
        allow="fullscreen",
    ),
    Site(
        "googlesheets",
        "Google Sheets",
        ("docs.google.com",),
        (r"^docs\.google\.com/spreadsheets/(?:u/\d/)?d/" + _GOOGLE_ID,),
        ("https://docs.google.com/spreadsheets/d/{id}/preview",),
        width=640,
        height=480,
        allow="fullscreen",
    ),
    Site(
        "figma",
        "Figma",
        ("figma.com",),
        (
            r"^(?:www\.)?figma\.com/(?P<kind>file|design|proto|board|slides)/(?P<key>[0-9A-Za-z]{10,40})(?![0-9A-Za-z])",
            r"^www\.figma\.com/embed\?embed_host=share&url=https%3A%2F%2Fwww\.figma\.com%2F"
            r"(?P<kind>file|design|proto|board|slides)%2F(?P<key>[0-9A-Za-z]{10,40})(?![0-9A-Za-z])",
        ),
        ("https://www.figma.com/embed?embed_host=share&url=https%3A%2F%2Fwww.figma.com%2F{kind}%2F{key}",),
        width=800,
        height=450,
        allow="fullscreen",
    ),
    Site(
        "miro",
        "Miro",
        ("miro.com",),
        (r"^(?:www\.)?miro\.com/app/(?:board|live-embed)/(?P<id>[\w-]{8,20})=/?(?:[?#]|$)",),
        ("https://miro.com/app/live-embed/{id}=/",),
        width=640,
        height=480,
        allow="clipboard-write; fullscreen",
    ),
    Site(
        "desmos",
        "Desmos",
        ("desmos.com",),
        (r"^(?:www\.)?desmos\.com/(?P<kind>calculator|geometry|3d)/(?P<id>[0-9a-z]{8,12})(?![0-9a-z])",),
        ("https://www.desmos.com/{kind}/{id}?embed",),
        width=640,
        height=480,
        allow="fullscreen",
    ),
    Site(
        "geogebra",
        "GeoGebra",
        ("geogebra.org", "ggbm.at"),
        (
            r"^(?:www\.)?geogebra\.org/(?:m|material/show/id|material/iframe/id|calculator|classic|graphing|"
            r"geometry|3d|notes)/(?P<id>[0-9A-Za-z]{6,10})(?![0-9A-Za-z])",
            r"^ggbm\.at/(?P<id>[0-9A-Za-z]{6,10})(?![0-9A-Za-z])",
        ),
        ("https://www.geogebra.org/material/iframe/id/{id}",),
        width=640,
        height=480,
        allow="fullscreen",
    ),
    Site(
        "sketchfab",
        "Sketchfab",
        ("sketchfab.com",),
        (
            r"^(?:www\.)?sketchfab\.com/(?:3d-models/(?:[\w-]{1,200}-)?|models/)(?P<id>[0-9a-f]{32})(?![0-9a-f])",
        ),
        ("https://sketchfab.com/models/{id}/embed",),
        width=640,
        height=480,
        allow="autoplay; fullscreen",
    ),
    Site(
        "giphy",
        "GIPHY",
        ("giphy.com",),
        (
            r"^(?:www\.)?giphy\.com/(?:gifs|clips|stickers|embed)/(?:[\w-]{1,200}-)?(?P<id>[0-9A-Za-z]{8,24})(?![0-9A-Za-z])",
        ),
        ("https://giphy.com/embed/{id}",),
        width=480,
        height=270,
        allow="autoplay",
    ),
    Site(
        "tenor",
        "Tenor",
        ("tenor.com",),
        (
            r"^(?:www\.)?tenor\.com/(?:[a-z]{2}(?:-[A-Z]{2})?/)?view/(?:[\w-]{1,200}-)?(?P<id>\d{5,25})(?!\d)",
            r"^(?:www\.)?tenor\.com/embed/(?P<id>\d{5,25})(?!\d)",
        ),
        ("https://tenor.com/embed/{id}",),
        width=480,
        height=360,
        allow="autoplay",
    ),
    Site(
        "kickstarter",
        "Kickstarter",
        ("kickstarter.com",),
        (
            r"^(?:www\.)?kickstarter\.com/projects/(?P<creator>[\w-]{1,80})/(?P<project>[\w-]{1,120})(?![\w-])",
        ),
        ("https://www.kickstarter.com/projects/{creator}/{project}/widget/card.html",),
        width=220,
        height=420,
        allow="",
    ),
    Site(
        "scratch",
        "Scratch",
        ("scratch.mit.edu",),
        (r"^scratch\.mit\.edu/projects/(?P<id>\d{1,12})(?!\d)",),
        ("https://scratch.mit.edu/projects/{id}/embed",),
        width=485,
        height=402,
        allow="autoplay; fullscreen",
    ),
    Site(
        "canva",
        "Canva",
        ("canva.com",),
        (r"^(?:www\.)?canva\.com/design/(?P<id>D[\w-]{9,12})/(?P<key>[\w-]{10,40})/(?:view|watch)(?![\w-])",),
        ("https://www.canva.com/design/{id}/{key}/view?embed",),
        width=640,
        height=360,
        allow="fullscreen",
    ),
    Site(
        "datawrapper",
        "Datawrapper",
        ("datawrapper.de", "dwcdn.net"),
        (
            r"^datawrapper\.dwcdn\.net/(?P<id>[0-9A-Za-z]{5})(?:/(?P<v>\d{1,3}))?/?(?:[?#]|$)",
            r"^(?:www\.|app\.)?datawrapper\.de/_/(?P<id>[0-9A-Za-z]{5})/?(?:[?#]|$)",
        ),
        ("https://datawrapper.dwcdn.net/{id}/{v}/", "https://datawrapper.dwcdn.net/{id}/"),
        width=640,
        height=480,
        allow="fullscreen",
    ),
    Site(
        "flourish",
        "Flourish",
        ("flourish.studio", "flo.uri.sh"),
        (
            r"^(?:(?:public|app)\.flourish\.studio|flo\.uri\.sh)/(?P<kind>visualisation|story)/(?P<id>\d{1,12})(?!\d)",
        ),
        ("https://flo.uri.sh/{kind}/{id}/embed",),
        width=640,
        height=480,
        allow="fullscreen",
    ),
    Site(
        "airtable",
        "Airtable",
        ("airtable.com",),
        (
            r"^(?:www\.)?airtable\.com/(?:embed/)?(?:(?P<app>app[0-9A-Za-z]{14})/)?(?P<id>shr[0-9A-Za-z]{14})"
            r"(?![0-9A-Za-z])",
        ),
        ("https://airtable.com/embed/{app}/{id}", "https://airtable.com/embed/{id}"),
        width=640,
        height=533,
        allow="",
    ),
)
