"""Site table rows: video players (see :mod:`composer.embeds.sites` for how rows are read).

Left to oEmbed, since the player needs what the URL lacks:

- Rumble page URLs (``rumble.com/v4abc-title.html``): the page id is not the player id; only
  ``rumble.com/embed/...`` URLs are rows.
- fb.watch, vm.tiktok.com, b23.tv, redd.it, reddit ``/s/`` share links: short links whose id is
  behind a redirect.
- X/Twitter posts: the player's height depends on the post, known only to its script.
- Youku: the player wants the id's ``==`` padding, which share URLs often drop.
"""

from __future__ import annotations

from composer.embeds.sites_row import Site, param

__all__ = ["VIDEO"]

_YOUTUBE_ALLOW = "accelerometer; autoplay; clipboard-write; encrypted-media; gyroscope; picture-in-picture"
_SOCIAL_ALLOW = "autoplay; clipboard-write; encrypted-media; picture-in-picture; web-share"

VIDEO: tuple[Site, ...] = (
    Site(
        "youtube",
        "YouTube",
        ("youtube.com", "youtu.be", "youtube-nocookie.com"),
        (
            r"^youtu\.be/(?P<id>[\w-]{11})(?![\w-])",
            r"^(?:www\.|m\.|music\.)?youtube(?:-nocookie)?\.com/(?:shorts|embed|live|v)/(?P<id>[\w-]{11})(?![\w-])",
            r"^(?:www\.|m\.|music\.)?youtube\.com/watch\?(?:[^#]*&)?v=(?P<id>[\w-]{11})(?![\w-])",
            r"^(?:www\.|m\.|music\.)?youtube(?:-nocookie)?\.com/(?:playlist|watch|embed/videoseries|embed/[\w-]{11})"
            r"\?(?:[^#]*&)?list=(?P<list>[\w-]{2,80})(?![\w-])",
            param("t|start", "start", fragment=True),
        ),
        (
            "https://www.youtube-nocookie.com/embed/{id}",
            "https://www.youtube-nocookie.com/embed/videoseries?list={list}",
        ),
        query=(("list", "list"), ("start", "start")),
        allow=_YOUTUBE_ALLOW,
    ),
    Site(
        "vimeo",
        "Vimeo",
        ("vimeo.com",),
        (
            r"^(?:www\.)?vimeo\.com/(?:channels/[\w-]+/|groups/[\w-]+/videos/|video/)?(?P<id>\d{1,12})(?:/(?P<h>[0-9a-f]{6,20}))?(?![\w])",
            r"^player\.vimeo\.com/video/(?P<id>\d{1,12})(?![\w])",
            r"[?&]h=(?P<h>[0-9a-f]{6,20})(?![^&#])",
        ),
        ("https://player.vimeo.com/video/{id}",),
        query=(("h", "h"),),
        width=640,
        height=360,
    ),
    Site(
        "dailymotion",
        "Dailymotion",
        ("dailymotion.com", "dai.ly"),
        (
            r"^(?:www\.)?dailymotion\.com/(?:embed/)?video/(?P<id>x[0-9a-z]{2,20})(?![0-9a-z])",
            r"^dai\.ly/(?P<id>x[0-9a-z]{2,20})(?![0-9a-z])",
            param("start", "start"),
        ),
        ("https://www.dailymotion.com/embed/video/{id}",),
        query=(("start", "start"),),
        width=640,
        height=360,
    ),
    Site(
        "tiktok",
        "TikTok",
        ("tiktok.com",),
        (
            r"^(?:www\.|m\.)?tiktok\.com/@[\w.-]{1,60}/video/(?P<id>\d{6,25})(?!\d)",
            r"^(?:www\.)?tiktok\.com/embed/(?:v2/)?(?P<id>\d{6,25})(?!\d)",
            r"^(?:www\.|m\.)?tiktok\.com/v/(?P<id>\d{6,25})(?!\d)",
        ),
        ("https://www.tiktok.com/embed/v2/{id}",),
        width=325,
        height=740,
        allow="encrypted-media; fullscreen",
    ),
    Site(
        "twitch",
        "Twitch",
        ("twitch.tv",),
        (
            r"^clips\.twitch\.tv/(?:embed\?clip=)?(?P<clip>[\w-]{6,120})(?![\w-])",
            r"^(?:www\.|m\.)?twitch\.tv/\w{3,25}/clip/(?P<clip>[\w-]{6,120})(?![\w-])",
            r"^(?:www\.|m\.)?twitch\.tv/videos/(?P<video>\d{1,15})(?!\d)",
            r"^(?:www\.|m\.)?twitch\.tv/(?!(?:directory|videos|p|settings|downloads|jobs|search|subscriptions|"
            r"inventory|wallet|drops|turbo|store|login|signup)(?:[/?#]|$))(?P<channel>\w{3,25})/?(?:[?#]|$)",
            # the player's own URLs, as the templates write them
            r"^player\.twitch\.tv/\?(?:[^#]*&)?video=v(?P<video>\d{1,15})(?![\w])",
            r"^player\.twitch\.tv/\?(?:[^#]*&)?channel=(?P<channel>\w{3,25})(?![\w])",
        ),
        # Twitch refuses to play unless parent= names the embedding page's host: a table setting
        (
            "https://clips.twitch.tv/embed?clip={clip}&parent={parent}",
            "https://player.twitch.tv/?video=v{video}&parent={parent}",
            "https://player.twitch.tv/?channel={channel}&parent={parent}",
        ),
        width=620,
        height=378,
    ),
    Site(
        "streamable",
        "Streamable",
        ("streamable.com",),
        (r"^(?:www\.)?streamable\.com/(?:[eo]/)?(?P<id>[0-9a-z]{4,16})(?:[/?#]|$)",),
        ("https://streamable.com/e/{id}",),
        width=640,
        height=360,
    ),
    Site(
        "loom",
        "Loom",
        ("loom.com", "useloom.com"),
        (r"^(?:www\.)?(?:use)?loom\.com/(?:share|embed)/(?P<id>[0-9a-f]{32})(?![0-9a-f])",),
        ("https://www.loom.com/embed/{id}",),
        width=640,
        height=360,
    ),
    Site(
        "facebook",
        "Facebook",
        ("facebook.com",),
        (
            r"^(?:www\.|m\.|web\.)?facebook\.com/(?:[\w.-]+/videos/(?:[\w.-]+/)?|watch/?\?(?:[^#]*&)?v="
            r"|video\.php\?(?:[^#]*&)?v=|reel/)(?P<id>\d{5,20})(?!\d)",
            # the plugin's own URL, as the template writes it
            r"^www\.facebook\.com/plugins/video\.php\?href=https%3A%2F%2Fwww\.facebook\.com%2Fwatch%2F%3Fv%3D"
            r"(?P<id>\d{5,20})(?![\d%])",
        ),
        (
            "https://www.facebook.com/plugins/video.php?href=https%3A%2F%2Fwww.facebook.com%2Fwatch%2F%3Fv%3D"
            "{id}&show_text=false",
        ),
        allow=_SOCIAL_ALLOW,
    ),
    Site(
        "instagram",
        "Instagram",
        ("instagram.com", "instagr.am"),
        (r"^(?:www\.)?instagr(?:am\.com|\.am)/(?:[\w.]+/)?(?:p|reels?|tv)/(?P<id>[\w-]{5,40})(?![\w-])",),
        ("https://www.instagram.com/p/{id}/embed/",),
        width=400,
        height=560,
        allow=_SOCIAL_ALLOW,
    ),
    Site(
        "reddit",
        "Reddit",
        ("reddit.com",),
        (
            r"^(?:www\.|old\.|new\.|np\.|m\.|embed\.)?reddit\.com/r/(?P<sub>\w{2,21})/comments/"
            r"(?P<id>[0-9a-z]{4,10})(?![0-9a-z])",
        ),
        ("https://embed.reddit.com/r/{sub}/comments/{id}/",),
        width=640,
        height=500,
        allow="fullscreen",
    ),
    Site(
        "rumble",
        "Rumble",
        ("rumble.com",),
        (r"^(?:www\.)?rumble\.com/embed/(?P<id>v[0-9a-z]{4,10})(?![0-9a-z])",),
        ("https://rumble.com/embed/{id}/",),
        width=640,
        height=360,
    ),
    Site(
        "odysee",
        "Odysee",
        ("odysee.com",),
        (
            r"^odysee\.com/(?:\$/embed/)?@(?P<channel>[\w-]{1,60}):(?P<cid>[0-9a-f]{1,40})/"
            r"(?P<name>[\w-]{1,100}):(?P<vid>[0-9a-f]{1,40})(?![\w:-])",
            param("t", "start"),
        ),
        ("https://odysee.com/$/embed/@{channel}:{cid}/{name}:{vid}",),
        query=(("t", "start"),),
        width=640,
        height=360,
    ),
    Site(
        "kick",
        "Kick",
        ("kick.com",),
        (
            r"^(?:www\.)?kick\.com/(?!(?:categories|category|browse|following|search|video|videos|clips|dashboard|"
            r"settings|subscriptions|messages|notifications|login|signup|transparency|terms-of-service|"
            r"privacy-policy|community-guidelines|dmca-policy|about|careers)"
            r"(?:[/?#]|$))(?P<channel>[\w-]{3,25})/?(?:[?#]|$)",
            r"^player\.kick\.com/(?P<channel>[\w-]{3,25})/?(?:[?#]|$)",
        ),
        ("https://player.kick.com/{channel}",),
        width=640,
        height=360,
    ),
    Site(
        "bilibili",
        "Bilibili",
        ("bilibili.com",),
        (
            r"^(?:www\.|m\.)?bilibili\.com/video/(?:(?P<bvid>BV[0-9A-Za-z]{10})|av(?P<aid>\d{1,12}))(?![0-9A-Za-z])",
            r"^player\.bilibili\.com/player\.html\?(?:[^#]*&)?bvid=(?P<bvid>BV[0-9A-Za-z]{10})(?![0-9A-Za-z])",
            r"^player\.bilibili\.com/player\.html\?(?:[^#]*&)?aid=(?P<aid>\d{1,12})(?!\d)",
            r"[?&](?:p|page)=(?P<page>\d{1,4})(?![^&#])",
            param("t", "start"),
        ),
        (
            "https://player.bilibili.com/player.html?bvid={bvid}",
            "https://player.bilibili.com/player.html?aid={aid}",
        ),
        query=(("page", "page"), ("t", "start")),
        width=640,
        height=360,
    ),
    Site(
        "niconico",
        "Niconico",
        ("nicovideo.jp", "nico.ms"),
        (
            r"^(?:www\.|sp\.|embed\.)?nicovideo\.jp/watch/(?P<id>(?:sm|nm|so)\d{1,10})(?!\d)",
            r"^nico\.ms/(?P<id>(?:sm|nm|so)\d{1,10})(?!\d)",
            param("from", "start"),
        ),
        ("https://embed.nicovideo.jp/watch/{id}",),
        query=(("from", "start"),),
        width=640,
        height=360,
    ),
    Site(
        "rutube",
        "Rutube",
        ("rutube.ru",),
        (
            r"^(?:www\.)?rutube\.ru/(?:video|play/embed|shorts)/(?P<id>[0-9a-f]{32})(?![0-9a-f])",
            param("t", "start"),
        ),
        ("https://rutube.ru/play/embed/{id}",),
        query=(("t", "start"),),
        width=640,
        height=360,
    ),
    Site(
        "vk",
        "VK Video",
        ("vk.com", "vk.ru", "vkvideo.ru"),
        (
            # a video's own page URL lacks the player's hash, which VK wants for videos that are not
            # public (those show VK's error page); a player URL that has it keeps it
            r"^(?:www\.|m\.)?(?:vk\.com|vk\.ru|vkvideo\.ru)/(?:[\w.-]+\?(?:[^#]*&)?z=)?"
            r"video(?P<oid>-?\d{1,12})_(?P<vid>\d{1,12})(?!\d)",
            r"^vk\.com/video_ext\.php\?oid=(?P<oid>-?\d{1,12})&id=(?P<vid>\d{1,12})(?!\d)",
            r"[?&]hash=(?P<hash>[0-9a-f]{8,32})(?![^&#])",
        ),
        ("https://vk.com/video_ext.php?oid={oid}&id={vid}",),
        query=(("hash", "hash"),),
        width=640,
        height=360,
        allow="autoplay; encrypted-media; fullscreen; picture-in-picture",
    ),
    Site(
        "ted",
        "TED",
        ("ted.com",),
        (r"^(?:www\.|embed\.)?ted\.com/talks/(?P<id>\w{2,200})(?![\w.-])",),
        ("https://embed.ted.com/talks/{id}",),
        width=640,
        height=360,
    ),
    Site(
        "wistia",
        "Wistia",
        ("wistia.com", "wistia.net", "wi.st"),
        (
            r"^(?:[\w-]+\.)?wistia\.(?:com|net)/(?:medias|embed/iframe|embed/medias)/(?P<id>[0-9a-z]{10})(?![0-9a-z])",
            r"^wi\.st/medias/(?P<id>[0-9a-z]{10})(?![0-9a-z])",
        ),
        ("https://fast.wistia.net/embed/iframe/{id}",),
        width=640,
        height=360,
    ),
    Site(
        "archive",
        "Internet Archive",
        ("archive.org",),
        (r"^(?:www\.)?archive\.org/(?:details|embed)/(?P<id>[A-Za-z0-9][\w.-]{0,99})(?![\w.-])",),
        ("https://archive.org/embed/{id}",),
        width=640,
        height=480,
    ),
    Site(
        "coub",
        "Coub",
        ("coub.com",),
        (r"^(?:www\.)?coub\.com/(?:view|embed)/(?P<id>[0-9a-z]{4,10})(?![0-9a-z])",),
        ("https://coub.com/embed/{id}",),
        width=640,
        height=360,
    ),
    Site(
        "bitchute",
        "BitChute",
        ("bitchute.com",),
        (r"^(?:www\.|old\.)?bitchute\.com/(?:video|embed)/(?P<id>[\w-]{6,20})(?![\w-])",),
        ("https://www.bitchute.com/embed/{id}/",),
        width=640,
        height=360,
    ),
    Site(
        "okru",
        "OK.ru",
        ("ok.ru",),
        (r"^(?:www\.|m\.)?ok\.ru/(?:video|videoembed|live)/(?P<id>\d{5,20})(?!\d)",),
        ("https://ok.ru/videoembed/{id}",),
        width=640,
        height=360,
    ),
    Site(
        "vidyard",
        "Vidyard",
        ("vidyard.com",),
        (r"^(?:share|play|embed)\.vidyard\.com/(?:watch/)?(?P<id>[\w-]{16,30})(?:\.html)?(?![\w-])",),
        ("https://play.vidyard.com/{id}.html",),
        width=640,
        height=360,
    ),
)
