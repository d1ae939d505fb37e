"""The small JavaScript runtime that gridgeo maps inline once per page.

It is gridgeo's own code (no third-party JavaScript lives in the repository). Data
comes in compact arrays written by :mod:`gridgeo.viz._layers`:

- polygons: ``{o: [lon0, lat0], s: scale, c: [dx, dy, ...], r: ring offsets,
  p: polygon offsets, g: geometry offsets}`` -- coordinates quantised to ``1/s``
  degree and delta-encoded (``shapely.to_ragged_array`` layout);
- points: ``{o, s, c}`` in the same encoding, one point per pair.

Every text shown in the page is either escaped in Python (``html.escape``) before it
is written or escaped here with :js:`esc` before it reaches ``innerHTML``.
"""

from __future__ import annotations

__all__ = ["RUNTIME_CSS", "RUNTIME_JS"]

RUNTIME_CSS = """
.gg-label{background:none;border:none;}
.gg-label span{display:inline-block;transform:translate(-50%,-50%);
 font:bold 12px/1.2 sans-serif;color:#111;white-space:nowrap;
 text-shadow:0 0 3px #fff,0 0 3px #fff,0 0 3px #fff;}
.gg-legend{background:rgba(255,255,255,.92);padding:6px 8px;font:12px/1.4 sans-serif;
 border-radius:4px;box-shadow:0 1px 4px rgba(0,0,0,.3);max-width:260px;}
.gg-legend b{display:block;margin-bottom:3px;}
.gg-legend i{display:inline-block;width:14px;height:12px;margin-right:5px;
 vertical-align:-1px;border:1px solid #555;}
.gg-legend i.gg-line{height:0;border-width:2px 0 0 0;margin-bottom:3px;}
.gg-legend i.gg-dot{width:9px;height:9px;border-radius:50%;}
.gg-tip table{border-collapse:collapse;}
.gg-tip td{padding:0 4px;} .gg-tip td:first-child{color:#555;}
"""

RUNTIME_JS = r"""
window.gridgeo = window.gridgeo || (function () {
  "use strict";
  function esc(s) {
    return String(s).replace(/[&<>"']/g, function (ch) {
      return {"&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;"}[ch];
    });
  }
  function coords(d) {
    var n = d.c.length / 2, lon = new Float64Array(n), lat = new Float64Array(n);
    var x = 0, y = 0, i;
    for (i = 0; i < n; i++) {
      x += d.c[2 * i]; y += d.c[2 * i + 1];
      lon[i] = d.o[0] + x / d.s; lat[i] = d.o[1] + y / d.s;
    }
    return {lon: lon, lat: lat, n: n};
  }
  function geometries(d) {
    var xy = coords(d), out = [], gi, pi, ri, k;
    for (gi = 0; gi + 1 < d.g.length; gi++) {
      var polys = [];
      for (pi = d.g[gi]; pi < d.g[gi + 1]; pi++) {
        var rings = [];
        for (ri = d.p[pi]; ri < d.p[pi + 1]; ri++) {
          var ring = [];
          for (k = d.r[ri]; k < d.r[ri + 1] - 1; k++) ring.push([xy.lat[k], xy.lon[k]]);
          rings.push(ring);
        }
        polys.push(rings);
      }
      out.push(polys);
    }
    return out;
  }
  function style(o, i) {
    return {
      color: o.stroke ? o.stroke[i] : o.color, weight: o.weight,
      opacity: o.opacity === undefined ? 1 : o.opacity,
      fill: o.fill !== undefined, fillColor: o.fill ? o.fill[i] : null,
      fillOpacity: o.fillOpacity, dashArray: o.dash || null,
      interactive: !!(o.tip || o.popup)
    };
  }
  // Polygons: one L.polygon per geometry; o.tip / o.popup are escaped HTML strings.
  function polygons(d, o) {
    var geoms = geometries(d), group = L.featureGroup(), i;
    for (i = 0; i < geoms.length; i++) {
      var p = L.polygon(geoms[i], style(o, i));
      if (o.tip) p.bindTooltip(o.tip[i], {sticky: true, className: "gg-tip"});
      if (o.popup) p.bindPopup(o.popup[i], {maxWidth: 320, className: "gg-tip"});
      group.addLayer(p);
    }
    if (o.labels) {
      var lp = coords(o.labels.at);
      for (i = 0; i < lp.n; i++) {
        L.marker([lp.lat[i], lp.lon[i]], {
          interactive: false, keyboard: false,
          icon: L.divIcon({className: "gg-label", iconSize: null,
                           html: "<span>" + esc(o.labels.text[i]) + "</span>"})
        }).addTo(group);
      }
    }
    return group;
  }
  // Few points (service points): circle markers with escaped tooltips.
  function markers(d, o) {
    var xy = coords(d), group = L.featureGroup(), i;
    for (i = 0; i < xy.n; i++) {
      var m = L.circleMarker([xy.lat[i], xy.lon[i]], {
        radius: o.radius, color: o.color, weight: 2,
        fillColor: o.fillColor, fillOpacity: 1});
      if (o.tip) m.bindTooltip(o.tip[i], {className: "gg-tip"});
      group.addLayer(m);
    }
    return group;
  }
  // Many points (households): drawn on canvas tiles, no Leaflet object per point.
  function dots(d, o) {
    var xy = coords(d), n = xy.n, wx = new Float64Array(n), wy = new Float64Array(n);
    var i, R = Math.PI / 180;
    for (i = 0; i < n; i++) {  // Web Mercator, world = [0, 1)
      var s = Math.sin(Math.max(-85.05, Math.min(85.05, xy.lat[i])) * R);
      wx[i] = (xy.lon[i] + 180) / 360;
      wy[i] = 0.5 - Math.log((1 + s) / (1 - s)) / (4 * Math.PI);
    }
    var cls = o.cls || null, colors = o.colors, r = o.radius || 2;
    var Layer = L.GridLayer.extend({
      createTile: function (c) {
        var t = L.DomUtil.create("canvas"), size = this.getTileSize();
        t.width = size.x; t.height = size.y;
        var g = t.getContext("2d"), w = size.x * Math.pow(2, c.z);
        var x0 = c.x * size.x, y0 = c.y * size.y, j;
        for (j = 0; j < n; j++) {
          var px = wx[j] * w - x0, py = wy[j] * w - y0;
          if (px < -r || py < -r || px > size.x + r || py > size.y + r) continue;
          g.fillStyle = colors[cls ? cls.charCodeAt(j) - 48 : 0];
          g.fillRect(px - r, py - r, 2 * r, 2 * r);
        }
        return t;
      }
    });
    var layer = new Layer({pane: "overlayPane", maxZoom: o.maxZoom});
    if (o.popup) {  // explicit household fields: nearest dot within 6 px on click
      layer.on("add", function () {
        var map = layer._map;
        map.on("click", function (e) {
          if (!map.hasLayer(layer)) return;
          var z = map.getZoom(), w = 256 * Math.pow(2, z), p = map.project(e.latlng, z);
          var best = -1, bd = 36, j;
          for (j = 0; j < n; j++) {
            var dx = wx[j] * w - p.x, dy = wy[j] * w - p.y, dd = dx * dx + dy * dy;
            if (dd < bd) { bd = dd; best = j; }
          }
          if (best < 0) return;
          var rows = o.popup.fields.map(function (f, k) {
            return "<tr><td>" + esc(f) + "</td><td>" + esc(o.popup.values[k][best]) +
              "</td></tr>";
          });
          L.popup({className: "gg-tip"}).setLatLng([xy.lat[best], xy.lon[best]])
            .setContent("<table>" + rows.join("") + "</table>").openOn(map);
        });
      });
    }
    return layer;
  }
  function legend(map, html, position) {
    var c = L.control({position: position || "bottomright"});
    c.onAdd = function () {
      var div = L.DomUtil.create("div", "gg-legend");
      div.innerHTML = html;  // built from escaped text in Python
      L.DomEvent.disableClickPropagation(div);
      return div;
    };
    c.addTo(map);
    return c;
  }
  return {esc: esc, polygons: polygons, markers: markers, dots: dots, legend: legend};
})();
"""
