# pixels.py: just enough PNG and XWD reading (stdlib only) to compare screenshots by pixels.
import struct
import zlib


def _png_chunks(data):
    """Yields (kind, body) of each chunk of a PNG, up to IEND."""
    if data[:8] != b"\x89PNG\r\n\x1a\n":
        raise ValueError("not a PNG")
    pos = 8
    while pos < len(data):
        n, kind = struct.unpack(">I4s", data[pos:pos + 8])
        yield kind, data[pos + 8:pos + 8 + n]
        pos += 12 + n
        if kind == b"IEND":
            break


def png_text(data):
    """{text key: value} of a PNG's tEXt (Latin-1) and uncompressed iTXt (UTF-8) chunks."""
    text = {}
    for kind, body in _png_chunks(data):
        if kind == b"tEXt":
            k, v = body.split(b"\0", 1)
            text[k.decode("latin-1")] = v.decode("latin-1")
        elif kind == b"iTXt":
            k, rest = body.split(b"\0", 1)
            rest = rest[2:]  # compression flag and method
            _, rest = rest.split(b"\0", 1)  # language
            _, v = rest.split(b"\0", 1)  # translated keyword
            text[k.decode("latin-1")] = v.decode("utf-8")
    return text


def png_read(data):
    """Returns (width, height, rows of RGB bytes, {text key: value}) of an 8-bit RGB PNG."""
    idat, width, height = b"", None, None
    for kind, body in _png_chunks(data):
        if kind == b"IHDR":
            width, height, depth, ctype = struct.unpack(">IIBB", body[:10])
            if depth != 8 or ctype != 2:
                raise ValueError("not 8-bit RGB")
        elif kind == b"IDAT":
            idat += body
    text = png_text(data)
    raw = zlib.decompress(idat)
    stride = width * 3
    rows, prev, off = [], bytearray(stride), 0
    for _ in range(height):
        f = raw[off]
        line = bytearray(raw[off + 1:off + 1 + stride])
        off += 1 + stride
        for i in range(stride):
            a = line[i - 3] if i >= 3 else 0
            b = prev[i]
            c = prev[i - 3] if i >= 3 else 0
            if f == 1:
                line[i] = (line[i] + a) & 0xff
            elif f == 2:
                line[i] = (line[i] + b) & 0xff
            elif f == 3:
                line[i] = (line[i] + ((a + b) >> 1)) & 0xff
            elif f == 4:
                p = a + b - c
                pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                pr = a if pa <= pb and pa <= pc else (b if pb <= pc else c)
                line[i] = (line[i] + pr) & 0xff
        rows.append(bytes(line))
        prev = line
    return width, height, rows, text


def xwd_read(data):
    """Returns (width, height, rows of RGB bytes) of a 24/32-bit TrueColor xwd -root dump."""
    h = struct.unpack(">25I", data[:100])
    header_size, width, height = h[0], h[4], h[5]
    byte_order, bpp, bpl = h[7], h[11], h[12]
    rmask, gmask, bmask = h[14], h[15], h[16]
    ncolors = h[19]
    if bpp != 32 or (rmask, gmask, bmask) != (0xff0000, 0xff00, 0xff):
        raise ValueError("unsupported xwd: %d bpp" % bpp)
    off = header_size + ncolors * 12
    fmt = "<" if byte_order == 0 else ">"
    rows = []
    for y in range(height):
        line = data[off + y * bpl:off + y * bpl + width * 4]
        px = struct.unpack(fmt + "%dI" % width, line)
        rows.append(bytes(b for p in px for b in ((p >> 16) & 0xff, (p >> 8) & 0xff, p & 0xff)))
    return width, height, rows


def diff_pixels(a_rows, b_rows, box=None):
    """Pixels that differ between two images (within box (x0, y0, x1, y1) when given)."""
    x0, y0, x1, y1 = box or (0, 0, len(a_rows[0]) // 3, len(a_rows))
    n = 0
    for y in range(y0, y1):
        ra, rb = a_rows[y], b_rows[y]
        if ra[x0 * 3:x1 * 3] == rb[x0 * 3:x1 * 3]:
            continue
        for x in range(x0, x1):
            if ra[x * 3:x * 3 + 3] != rb[x * 3:x * 3 + 3]:
                n += 1
    return n


def distinct_colours(rows, box):
    x0, y0, x1, y1 = box
    seen = set()
    for y in range(y0, y1):
        r = rows[y]
        for x in range(x0, x1):
            seen.add(r[x * 3:x * 3 + 3])
    return len(seen)
