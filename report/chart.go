package report

import (
	"bytes"
	"fmt"
	"image/color"
	"strconv"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/text"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
	"gonum.org/v1/plot/vg/vgimg"
	"gonum.org/v1/plot/vg/vgsvg"
)

// Chart colours: green for what was authorised or is backed up, amber for a stale
// backup, red for what was not authorised or is missing.
var (
	colourGood = color.RGBA{R: 0x2e, G: 0x7d, B: 0x32, A: 0xff}
	colourWarn = color.RGBA{R: 0xef, G: 0x9a, B: 0x1a, A: 0xff}
	colourBad  = color.RGBA{R: 0xc6, G: 0x28, B: 0x28, A: 0xff}
)

// chartSize is a chart's size. The two charts differ in width: fpdf orders the
// images it writes by width, and by map order among equal widths, so equal widths
// would make the PDF's bytes differ from one rendering to the next.
type chartSize struct{ w, h vg.Length }

var (
	accessChartSize = chartSize{17 * vg.Centimeter, 6.5 * vg.Centimeter}
	backupChartSize = chartSize{12 * vg.Centimeter, 4 * vg.Centimeter}
)

// legendBand is the height of the band between a chart's title and its plot that
// holds the legend, so that the legend never covers a bar.
const legendBand = 0.9 * vg.Centimeter

// chart is a chart the report shows: its name (the PDF's image name), plot and size.
type chart struct {
	name string
	plot *plot.Plot
	size chartSize
}

// charts returns the report's charts that have something to show: the accesses per
// day when there was an access, the backups when there is a network device.
func charts(r *Report) ([]chart, error) {
	var out []chart
	if r.Summary.Accesses > 0 {
		p, err := accessChart(r.Days)
		if err != nil {
			return nil, err
		}
		out = append(out, chart{"accesses", p, accessChartSize})
	}
	if len(r.Backups.Rows) > 0 {
		p, err := backupChart(r.Backups)
		if err != nil {
			return nil, err
		}
		out = append(out, chart{"backups", p, backupChartSize})
	}
	return out, nil
}

// accessChart draws the accesses per day, authorised ones stacked under the others.
func accessChart(days []Day) (*plot.Plot, error) {
	p := plot.New()
	p.Title.Text = "Accesses per day"
	p.Y.Label.Text = "accesses"
	authorised := make(plotter.Values, len(days))
	other := make(plotter.Values, len(days))
	labels := make([]string, len(days))
	top := 0
	for i, d := range days {
		authorised[i], other[i] = float64(d.Authorised), float64(d.Other)
		top = max(top, d.Authorised+d.Other)
		if d.Date.Day() == 1 || d.Date.Day()%5 == 0 {
			labels[i] = strconv.Itoa(d.Date.Day())
		}
	}
	width := (accessChartSize.w - 2*vg.Centimeter) / vg.Length(max(len(days), 1)) * 0.7
	good, err := plotter.NewBarChart(authorised, width)
	if err != nil {
		return nil, fmt.Errorf("report: access chart: %w", err)
	}
	good.Color, good.LineStyle.Width = colourGood, 0
	bad, err := plotter.NewBarChart(other, width)
	if err != nil {
		return nil, fmt.Errorf("report: access chart: %w", err)
	}
	bad.Color, bad.LineStyle.Width = colourBad, 0
	bad.StackOn(good)
	p.Add(good, bad)
	p.Legend.Add("authorised", good)
	p.Legend.Add("not authorised or not yet checked", bad)
	// The legend sits in a band of its own between the title and the plot.
	p.Legend.Top, p.Legend.YOffs = true, legendBand
	p.Title.Padding = legendBand
	p.NominalX(labels...)
	p.Y.Min, p.Y.Max = 0, float64(max(top, 1))
	p.Y.Tick.Marker = integerTicks{}
	sans(p)
	return p, nil
}

// backupChart draws how many network devices have a current, an outdated or no
// configuration backup.
func backupChart(b Backups) (*plot.Plot, error) {
	var current, outdated, missing int
	for _, r := range b.Rows {
		switch r.Status {
		case BackupCurrent:
			current++
		case BackupMissing:
			missing++
		default:
			outdated++
		}
	}
	p := plot.New()
	p.Title.Text = "Network device configuration backups"
	p.Y.Label.Text = "devices"
	width := 1.5 * vg.Centimeter
	top := 1
	for i, s := range []struct {
		n      int
		label  string
		colour color.Color
	}{
		{current, "current", colourGood}, {outdated, "outdated", colourWarn}, {missing, "missing", colourBad},
	} {
		bar, err := plotter.NewBarChart(plotter.Values{float64(s.n)}, width)
		if err != nil {
			return nil, fmt.Errorf("report: backup chart: %w", err)
		}
		bar.Color, bar.LineStyle.Width = s.colour, 0
		bar.XMin = float64(i)
		p.Add(bar)
		top = max(top, s.n)
	}
	p.NominalX("current", "outdated", "missing")
	p.Y.Min, p.Y.Max = 0, float64(top)
	p.Y.Tick.Marker = integerTicks{}
	sans(p)
	return p, nil
}

// sans sets every text of the plot in Liberation Sans, the report's typeface.
func sans(p *plot.Plot) {
	for _, s := range []*text.Style{
		&p.Title.TextStyle, &p.Legend.TextStyle, &p.X.Label.TextStyle, &p.Y.Label.TextStyle,
		&p.X.Tick.Label, &p.Y.Tick.Label,
	} {
		s.Font.Variant = "Sans"
	}
}

// integerTicks marks whole numbers only: a count of accesses has no halves.
type integerTicks struct{}

// Ticks implements plot.Ticker.
func (integerTicks) Ticks(lo, hi float64) []plot.Tick {
	step := 1
	for (hi-lo)/float64(step) > 8 {
		step *= 2
	}
	var out []plot.Tick
	for v := int(lo); float64(v) <= hi; v += step {
		out = append(out, plot.Tick{Value: float64(v), Label: strconv.Itoa(v)})
	}
	return out
}

// svgOf renders a plot as an SVG element for inline HTML: no XML prolog.
func svgOf(p *plot.Plot, size chartSize) ([]byte, error) {
	c := vgsvg.New(size.w, size.h)
	p.Draw(draw.New(c))
	var buf bytes.Buffer
	if _, err := c.WriteTo(&buf); err != nil {
		return nil, fmt.Errorf("report: rendering a chart as SVG: %w", err)
	}
	out := buf.Bytes()
	if i := bytes.Index(out, []byte("<svg")); i >= 0 {
		out = out[i:]
	}
	return out, nil
}

// pngOf renders a plot as a PNG image at dpi, for the PDF.
func pngOf(p *plot.Plot, size chartSize, dpi int) ([]byte, error) {
	c := vgimg.NewWith(vgimg.UseWH(size.w, size.h), vgimg.UseDPI(dpi), vgimg.UseBackgroundColor(color.White))
	p.Draw(draw.New(c))
	var buf bytes.Buffer
	if _, err := (vgimg.PngCanvas{Canvas: c}).WriteTo(&buf); err != nil {
		return nil, fmt.Errorf("report: rendering a chart as PNG: %w", err)
	}
	return buf.Bytes(), nil
}
