package main

import (
	"fmt"
	"image/color"
	"path/filepath"
	"strings"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
)

var palette = []color.Color{
	color.RGBA{0x1f, 0x77, 0xb4, 0xff},
	color.RGBA{0xff, 0x7f, 0x0e, 0xff},
	color.RGBA{0x2c, 0xa0, 0x2c, 0xff},
	color.RGBA{0xd6, 0x27, 0x28, 0xff},
	color.RGBA{0x94, 0x67, 0xbd, 0xff},
}

// save writes p to path, as SVG or PNG by its extension.
func save(p *plot.Plot, path string) error {
	switch strings.ToLower(filepath.Ext(path)) {
	case ".svg", ".png":
	default:
		return fmt.Errorf("plot %s: want a .svg or .png file", path)
	}
	return p.Save(8*vg.Inch, 4.5*vg.Inch, path)
}

func addLine(p *plot.Plot, i int, label string, pts plotter.XYs) error {
	l, err := plotter.NewLine(pts)
	if err != nil {
		return err
	}
	l.Color = palette[i%len(palette)]
	l.Width = vg.Points(1.5)
	p.Add(l)
	p.Legend.Add(label, l)
	return nil
}

// plotLoad plots attempts per second reaching the backend over time, one
// line per variant.
func plotLoad(path, title string, results []Result) error {
	p := plot.New()
	p.Title.Text = title
	p.X.Label.Text = "time (s)"
	p.Y.Label.Text = "attempts per second on the backend"
	p.Legend.Top = true
	for i, r := range results {
		pts := make(plotter.XYs, len(r.Load))
		for j, n := range r.Load {
			pts[j].X = float64(j) * r.Bucket.Seconds()
			pts[j].Y = float64(n) / r.Bucket.Seconds()
		}
		if err := addLine(p, i, r.Label, pts); err != nil {
			return err
		}
	}
	return save(p, path)
}

// plotBrooker plots total calls against clients per strategy, as his
// post's figure does.
func plotBrooker(path string, counts []int, table map[int][]BrookerRow) error {
	p := plot.New()
	p.Title.Text = "Brooker's contention scenario: total calls by strategy"
	p.X.Label.Text = "clients"
	p.Y.Label.Text = "calls (mean per run)"
	p.Legend.Top, p.Legend.Left = true, true
	for i, name := range brookerStrategies {
		var pts plotter.XYs
		for _, c := range counts {
			for _, r := range table[c] {
				if r.Strategy == name {
					pts = append(pts, plotter.XY{X: float64(c), Y: r.Calls})
				}
			}
		}
		if err := addLine(p, i, name, pts); err != nil {
			return err
		}
	}
	return save(p, path)
}

// plotAmplification plots measured amplification through 3 layers against
// the (1+r)^L bound, by budget ratio.
func plotAmplification(path string, ratios, measured, bound []float64) error {
	p := plot.New()
	p.Title.Text = "Retry amplification through 3 layers of 4 attempts, with a ratio budget per layer"
	p.X.Label.Text = "budget ratio r"
	p.Y.Label.Text = "backend attempts per top-level call"
	p.Legend.Top, p.Legend.Left = true, true
	var m, b plotter.XYs
	for i, r := range ratios {
		m = append(m, plotter.XY{X: r, Y: measured[i]})
		b = append(b, plotter.XY{X: r, Y: bound[i]})
	}
	if err := addLine(p, 0, "measured", m); err != nil {
		return err
	}
	if err := addLine(p, 1, "(1+r)^3", b); err != nil {
		return err
	}
	return save(p, path)
}
