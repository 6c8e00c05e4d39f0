package dev.reprise.worker.eeg;

import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.awt.FontMetrics;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.geom.AffineTransform;
import java.awt.geom.Path2D;
import java.awt.image.BufferedImage;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The decoding figure: mean accuracy ± SEM over subjects (line and shaded band), the chance level
 * (dashed), stimulus onset, and significant clusters shaded, with axes "Time (s)" and "Decoding
 * accuracy (%)". One layout drawn on two back-ends, a PNG (Java2D) and an SVG (hand-written
 * markup), so that the two files show the same figure.
 */
public final class AccuracyFigure {
  static final int WIDTH = 1200;
  static final int HEIGHT = 700;
  private static final double LEFT = 105;
  private static final double RIGHT = 40;
  private static final double TOP = 75;
  private static final double BOTTOM = 85;
  private static final Color MEAN = new Color(0x1F4E9C);
  private static final Color BAND = new Color(0x3D7BD9);
  private static final Color CLUSTER = new Color(0xF2B441);
  private static final Color CHANCE = new Color(0x555555);
  private static final Color GRID = new Color(0xE4E4E4);
  private static final Color TEXT = new Color(0x222222);
  private static final String FONT = "DejaVu Sans";

  /** A shaded cluster, [start, end] in seconds, with its p-value. */
  public record Shade(double start, double end, double p) {}

  /**
   * @param times seconds
   * @param mean mean accuracy per time, percent
   * @param sem standard error of the mean per time, percent
   * @param chance chance level per time, percent
   * @param shades significant clusters
   */
  public record Data(
      String title,
      double[] times,
      double[] mean,
      double[] sem,
      double[] chance,
      List<Shade> shades,
      int subjects) {}

  enum Anchor {
    START,
    MIDDLE,
    END
  }

  /** What the figure is drawn on. Coordinates are pixels from the top left. */
  interface Canvas {
    void rect(double x, double y, double w, double h, Color fill, double opacity);

    void polygon(double[] xs, double[] ys, Color fill, double opacity);

    void polyline(double[] xs, double[] ys, Color stroke, double width, boolean dashed);

    void text(
        double x,
        double y,
        String text,
        double size,
        boolean bold,
        Anchor anchor,
        boolean vertical);

    double textWidth(String text, double size);
  }

  private AccuracyFigure() {}

  public static BufferedImage png(Data d) {
    BufferedImage img = new BufferedImage(WIDTH, HEIGHT, BufferedImage.TYPE_INT_RGB);
    Graphics2D g = img.createGraphics();
    g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
    g.setRenderingHint(
        RenderingHints.KEY_TEXT_ANTIALIASING, RenderingHints.VALUE_TEXT_ANTIALIAS_ON);
    g.setRenderingHint(RenderingHints.KEY_STROKE_CONTROL, RenderingHints.VALUE_STROKE_PURE);
    g.setColor(Color.WHITE);
    g.fillRect(0, 0, WIDTH, HEIGHT);
    draw(d, new Java2dCanvas(g));
    g.dispose();
    return img;
  }

  public static String svg(Data d) {
    SvgCanvas c = new SvgCanvas();
    draw(d, c);
    return c.finish();
  }

  private static void draw(Data d, Canvas c) {
    int n = d.times().length;
    double x0 = d.times()[0];
    double x1 = n > 1 ? d.times()[n - 1] : x0 + 1;
    double lo = Double.POSITIVE_INFINITY;
    double hi = Double.NEGATIVE_INFINITY;
    for (int i = 0; i < n; i++) {
      lo = Math.min(lo, Math.min(d.mean()[i] - d.sem()[i], d.chance()[i]));
      hi = Math.max(hi, Math.max(d.mean()[i] + d.sem()[i], d.chance()[i]));
    }
    double pad = Math.max(hi - lo, 1) * 0.08;
    // Room above the data for the legend; the axis ends on ticks.
    double[] guess = ticks(lo - pad, hi + pad * 2.5, 7);
    double step = guess.length > 1 ? guess[1] - guess[0] : 1;
    double y0 = step * Math.floor((lo - pad) / step);
    double y1 = step * Math.ceil((hi + pad * 2.5) / step);
    double[] yTicks = ticks(y0, y1, (int) Math.round((y1 - y0) / step) + 1);
    double[] xTicks = ticks(x0, x1, 8);
    double pw = WIDTH - LEFT - RIGHT;
    double ph = HEIGHT - TOP - BOTTOM;
    java.util.function.DoubleUnaryOperator px = t -> LEFT + (t - x0) / (x1 - x0) * pw;
    java.util.function.DoubleUnaryOperator py = v -> TOP + (y1 - v) / (y1 - y0) * ph;
    double halfSample = n > 1 ? (x1 - x0) / (n - 1) / 2 : 0;

    for (Shade s : d.shades()) {
      double a = px.applyAsDouble(Math.max(x0, s.start() - halfSample));
      double b = px.applyAsDouble(Math.min(x1, s.end() + halfSample));
      c.rect(a, TOP, b - a, ph, CLUSTER, 0.28);
      c.text((a + b) / 2, TOP + 20, formatP(s.p()), 13, false, Anchor.MIDDLE, false);
    }
    for (double v : yTicks) {
      if (v >= y0 && v <= y1) {
        double y = py.applyAsDouble(v);
        c.polyline(new double[] {LEFT, LEFT + pw}, new double[] {y, y}, GRID, 1, false);
        c.polyline(new double[] {LEFT - 6, LEFT}, new double[] {y, y}, TEXT, 1.2, false);
        c.text(LEFT - 10, y + 5, label(v), 14, false, Anchor.END, false);
      }
    }
    for (double t : xTicks) {
      if (t >= x0 - 1e-12 && t <= x1 + 1e-12) {
        double x = px.applyAsDouble(t);
        c.polyline(new double[] {x, x}, new double[] {TOP + ph, TOP + ph + 6}, TEXT, 1.2, false);
        c.text(x, TOP + ph + 25, label(t), 14, false, Anchor.MIDDLE, false);
      }
    }
    if (x0 < 0 && x1 > 0) {
      double x = px.applyAsDouble(0);
      c.polyline(new double[] {x, x}, new double[] {TOP, TOP + ph}, new Color(0x999999), 1.2, true);
    }
    double[] xs = new double[n];
    double[] band = new double[2 * n];
    double[] bandX = new double[2 * n];
    double[] mean = new double[n];
    double[] chance = new double[n];
    for (int i = 0; i < n; i++) {
      xs[i] = px.applyAsDouble(d.times()[i]);
      mean[i] = py.applyAsDouble(d.mean()[i]);
      chance[i] = py.applyAsDouble(d.chance()[i]);
      bandX[i] = xs[i];
      band[i] = py.applyAsDouble(d.mean()[i] + d.sem()[i]);
      bandX[2 * n - 1 - i] = xs[i];
      band[2 * n - 1 - i] = py.applyAsDouble(d.mean()[i] - d.sem()[i]);
    }
    c.polyline(xs, chance, CHANCE, 1.6, true);
    c.polygon(bandX, band, BAND, 0.35);
    c.polyline(xs, mean, MEAN, 2.6, false);
    c.polyline(
        new double[] {LEFT, LEFT, LEFT + pw},
        new double[] {TOP, TOP + ph, TOP + ph},
        TEXT,
        1.4,
        false);

    c.text(LEFT + pw / 2, HEIGHT - 22, "Time (s)", 17, false, Anchor.MIDDLE, false);
    c.text(32, TOP + ph / 2, "Decoding accuracy (%)", 17, false, Anchor.MIDDLE, true);
    c.text(WIDTH / 2.0, 42, d.title(), 23, true, Anchor.MIDDLE, false);

    List<String> labels = new ArrayList<>();
    labels.add(String.format(Locale.ROOT, "Mean ± SEM (n = %d)", d.subjects()));
    labels.add(String.format(Locale.ROOT, "Chance (%s%%)", label(round1(average(d.chance())))));
    if (!d.shades().isEmpty()) {
      labels.add("Significant cluster");
    }
    double w = 0;
    for (String l : labels) {
      w = Math.max(w, c.textWidth(l, 14));
    }
    double boxW = w + 70;
    double boxH = 16 + 24 * labels.size();
    double bx = LEFT + pw - boxW - 12;
    double by = TOP + 12;
    c.rect(bx, by, boxW, boxH, Color.WHITE, 0.9);
    c.polyline(
        new double[] {bx, bx + boxW, bx + boxW, bx, bx},
        new double[] {by, by, by + boxH, by + boxH, by},
        new Color(0xBBBBBB),
        1,
        false);
    for (int i = 0; i < labels.size(); i++) {
      double y = by + 20 + 24 * i;
      double sx = bx + 12;
      switch (i) {
        case 0 -> {
          c.rect(sx, y - 8, 36, 16, BAND, 0.35);
          c.polyline(new double[] {sx, sx + 36}, new double[] {y, y}, MEAN, 2.6, false);
        }
        case 1 -> c.polyline(new double[] {sx, sx + 36}, new double[] {y, y}, CHANCE, 1.6, true);
        default -> c.rect(sx, y - 8, 36, 16, CLUSTER, 0.28);
      }
      c.text(sx + 46, y + 5, labels.get(i), 14, false, Anchor.START, false);
    }
  }

  static String formatP(double p) {
    return p < 0.001 ? "p < 0.001" : String.format(Locale.ROOT, "p = %.3f", p);
  }

  private static double round1(double v) {
    return Math.round(v * 10) / 10.0;
  }

  private static double average(double[] v) {
    double s = 0;
    for (double x : v) {
      s += x;
    }
    return s / v.length;
  }

  /** Shortest decimal text for a tick value (no "-0", no trailing zeros). */
  static String label(double v) {
    if (Math.abs(v) < 1e-9) {
      return "0";
    }
    String s = String.format(Locale.ROOT, "%.6f", v).replaceAll("0+$", "");
    return s.endsWith(".") ? s.substring(0, s.length() - 1) : s;
  }

  /**
   * Tick values at a "nice" step (1, 2 or 5 × 10^k) covering [lo, hi] with about {@code target}
   * ticks.
   */
  static double[] ticks(double lo, double hi, int target) {
    double raw = (hi - lo) / Math.max(1, target - 1);
    double mag = Math.pow(10, Math.floor(Math.log10(raw)));
    double norm = raw / mag;
    double step = (norm < 1.5 ? 1 : norm < 3 ? 2 : norm < 7 ? 5 : 10) * mag;
    double first = Math.ceil(lo / step - 1e-9) * step;
    List<Double> out = new ArrayList<>();
    for (double v = first; v <= hi + step * 1e-9; v += step) {
      out.add(Math.abs(v) < step * 1e-9 ? 0 : Math.round(v / step) * step);
    }
    return out.stream().mapToDouble(Double::doubleValue).toArray();
  }

  private static final class Java2dCanvas implements Canvas {
    private final Graphics2D g;

    Java2dCanvas(Graphics2D g) {
      this.g = g;
    }

    private static Color alpha(Color c, double opacity) {
      return new Color(c.getRed(), c.getGreen(), c.getBlue(), (int) Math.round(255 * opacity));
    }

    @Override
    public void rect(double x, double y, double w, double h, Color fill, double opacity) {
      g.setColor(alpha(fill, opacity));
      g.fill(new java.awt.geom.Rectangle2D.Double(x, y, w, h));
    }

    @Override
    public void polygon(double[] xs, double[] ys, Color fill, double opacity) {
      Path2D.Double p = new Path2D.Double();
      p.moveTo(xs[0], ys[0]);
      for (int i = 1; i < xs.length; i++) {
        p.lineTo(xs[i], ys[i]);
      }
      p.closePath();
      g.setColor(alpha(fill, opacity));
      g.fill(p);
    }

    @Override
    public void polyline(double[] xs, double[] ys, Color stroke, double width, boolean dashed) {
      Path2D.Double p = new Path2D.Double();
      p.moveTo(xs[0], ys[0]);
      for (int i = 1; i < xs.length; i++) {
        p.lineTo(xs[i], ys[i]);
      }
      g.setColor(stroke);
      g.setStroke(
          dashed
              ? new BasicStroke(
                  (float) width,
                  BasicStroke.CAP_BUTT,
                  BasicStroke.JOIN_ROUND,
                  10,
                  new float[] {8, 6},
                  0)
              : new BasicStroke((float) width, BasicStroke.CAP_ROUND, BasicStroke.JOIN_ROUND));
      g.draw(p);
    }

    @Override
    public void text(
        double x,
        double y,
        String text,
        double size,
        boolean bold,
        Anchor anchor,
        boolean vertical) {
      Font f = new Font(FONT, bold ? Font.BOLD : Font.PLAIN, 1).deriveFont((float) size);
      g.setFont(f);
      g.setColor(TEXT);
      double w = g.getFontMetrics().stringWidth(text);
      double shift = anchor == Anchor.START ? 0 : anchor == Anchor.MIDDLE ? -w / 2 : -w;
      AffineTransform saved = g.getTransform();
      g.translate(x, y);
      if (vertical) {
        g.rotate(-Math.PI / 2);
      }
      g.drawString(text, (float) shift, 0f);
      g.setTransform(saved);
    }

    @Override
    public double textWidth(String text, double size) {
      FontMetrics m = g.getFontMetrics(new Font(FONT, Font.PLAIN, 1).deriveFont((float) size));
      return m.stringWidth(text);
    }
  }

  private static final class SvgCanvas implements Canvas {
    private final StringBuilder sb = new StringBuilder();
    private final Graphics2D metrics =
        new BufferedImage(1, 1, BufferedImage.TYPE_INT_RGB).createGraphics();

    SvgCanvas() {
      sb.append("<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"")
          .append(WIDTH)
          .append("\" height=\"")
          .append(HEIGHT)
          .append("\" viewBox=\"0 0 ")
          .append(WIDTH)
          .append(' ')
          .append(HEIGHT)
          .append("\" font-family=\"DejaVu Sans, Helvetica, Arial, sans-serif\">\n");
      sb.append("<rect x=\"0\" y=\"0\" width=\"")
          .append(WIDTH)
          .append("\" height=\"")
          .append(HEIGHT)
          .append("\" fill=\"#ffffff\"/>\n");
    }

    String finish() {
      metrics.dispose();
      return sb.append("</svg>\n").toString();
    }

    private static String f(double v) {
      return String.format(Locale.ROOT, "%.2f", v);
    }

    private static String hex(Color c) {
      return String.format("#%02x%02x%02x", c.getRed(), c.getGreen(), c.getBlue());
    }

    private static String points(double[] xs, double[] ys) {
      StringBuilder p = new StringBuilder();
      for (int i = 0; i < xs.length; i++) {
        p.append(i == 0 ? "" : " ").append(f(xs[i])).append(',').append(f(ys[i]));
      }
      return p.toString();
    }

    @Override
    public void rect(double x, double y, double w, double h, Color fill, double opacity) {
      sb.append("<rect x=\"")
          .append(f(x))
          .append("\" y=\"")
          .append(f(y))
          .append("\" width=\"")
          .append(f(w))
          .append("\" height=\"")
          .append(f(h))
          .append("\" fill=\"")
          .append(hex(fill))
          .append("\" fill-opacity=\"")
          .append(f(opacity))
          .append("\"/>\n");
    }

    @Override
    public void polygon(double[] xs, double[] ys, Color fill, double opacity) {
      sb.append("<polygon points=\"")
          .append(points(xs, ys))
          .append("\" fill=\"")
          .append(hex(fill))
          .append("\" fill-opacity=\"")
          .append(f(opacity))
          .append("\" stroke=\"none\"/>\n");
    }

    @Override
    public void polyline(double[] xs, double[] ys, Color stroke, double width, boolean dashed) {
      sb.append("<polyline points=\"")
          .append(points(xs, ys))
          .append("\" fill=\"none\" stroke=\"")
          .append(hex(stroke))
          .append("\" stroke-width=\"")
          .append(f(width))
          .append("\" stroke-linejoin=\"round\"")
          .append(dashed ? " stroke-dasharray=\"8,6\"" : "")
          .append("/>\n");
    }

    @Override
    public void text(
        double x,
        double y,
        String text,
        double size,
        boolean bold,
        Anchor anchor,
        boolean vertical) {
      String a =
          switch (anchor) {
            case START -> "start";
            case MIDDLE -> "middle";
            case END -> "end";
          };
      sb.append("<text x=\"")
          .append(f(x))
          .append("\" y=\"")
          .append(f(y))
          .append("\" font-size=\"")
          .append(f(size))
          .append("\" fill=\"")
          .append(hex(TEXT))
          .append("\" text-anchor=\"")
          .append(a)
          .append('"')
          .append(bold ? " font-weight=\"bold\"" : "")
          .append(vertical ? " transform=\"rotate(-90 " + f(x) + " " + f(y) + ")\"" : "")
          .append('>')
          .append(escape(text))
          .append("</text>\n");
    }

    @Override
    public double textWidth(String text, double size) {
      return metrics
          .getFontMetrics(new Font(FONT, Font.PLAIN, 1).deriveFont((float) size))
          .stringWidth(text);
    }
  }

  static String escape(String s) {
    return s.replace("&", "&amp;")
        .replace("<", "&lt;")
        .replace(">", "&gt;")
        .replace("\"", "&quot;");
  }
}
