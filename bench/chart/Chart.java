import javax.imageio.ImageIO;
import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Draws docs/benchmarks.png from a bench/peers.sh result file: messages/s against sessions for Postroom
 * and its peer, one panel per load (SMTP in, outbound, POP3, IMAP). Plain JDK, headless:
 *
 *   java -Djava.awt.headless=true bench/chart/Chart.java bench/results/DATE.txt docs/benchmarks.png
 */
public final class Chart {
    record Series(String name, Color color, TreeMap<Integer, Double> points) {}

    record Panel(String title, String xLabel, String yLabel, List<Series> series) {}

    public static void main(String[] args) throws Exception {
        Map<String, Double> f = new LinkedHashMap<>();
        boolean raw = false;
        for (String line : Files.readAllLines(Path.of(args[0]))) {
            if (line.startsWith("raw figures:")) {
                raw = true;
                continue;
            }
            String[] kv = line.trim().split("\\s+");
            if (raw && kv.length == 2) {
                try {
                    f.put(kv[0], Double.parseDouble(kv[1]));
                } catch (NumberFormatException ignored) {
                    // not a number
                }
            }
        }
        Color postroom = new Color(0x1f77b4);
        Color peer = new Color(0xd62728);
        List<Panel> panels = new ArrayList<>();
        // The loopback limit (smtp-source -> smtp-sink, nothing kept) is 10x higher: named, not drawn.
        Double loop = f.get("loop_source_s20");
        panels.add(new Panel("Inbound SMTP, 4 KiB, fsynced (smtp-source)"
                + (loop == null ? "" : String.format(", loopback limit %,.0f/s", loop)), "sessions", "msg/s", List.of(
                new Series("Postroom", postroom, series(f, "pr_source_s")),
                new Series("Postfix", peer, series(f, "pf_source_s")))));
        panels.add(new Panel("Outbound to smtp-sink", "concurrency", "msg/s", List.of(
                new Series("Postroom", postroom, series(f, "pr_out_c")),
                new Series("Postfix", peer, series(f, "pf_out_c")))));
        panels.add(new Panel("POP3 RETR, 4 KiB", "clients", "msg/s", List.of(
                new Series("Postroom", postroom, series(f, "pr_pop3_c")),
                new Series("Dovecot", peer, series(f, "dc_pop3_c")))));
        panels.add(new Panel("IMAP mixed load", "clients", "ops/s", List.of(
                new Series("Postroom", postroom, series(f, "pr_imap_c")),
                new Series("Dovecot", peer, series(f, "dc_imap_c")))));

        int w = 520;
        int h = 360;
        BufferedImage img = new BufferedImage(w * 2, h * 2, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = img.createGraphics();
        g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
        g.setRenderingHint(RenderingHints.KEY_TEXT_ANTIALIASING, RenderingHints.VALUE_TEXT_ANTIALIAS_ON);
        g.setColor(Color.WHITE);
        g.fillRect(0, 0, w * 2, h * 2);
        for (int i = 0; i < panels.size(); i++) {
            draw(g, panels.get(i), (i % 2) * w, (i / 2) * h, w, h);
        }
        g.dispose();
        ImageIO.write(img, "png", new File(args[1]));
    }

    static TreeMap<Integer, Double> series(Map<String, Double> f, String prefix) {
        TreeMap<Integer, Double> s = new TreeMap<>();
        f.forEach((k, v) -> {
            if (k.startsWith(prefix) && k.substring(prefix.length()).matches("\\d+")) {
                s.put(Integer.parseInt(k.substring(prefix.length())), v);
            }
        });
        return s;
    }

    static void draw(Graphics2D g, Panel p, int x0, int y0, int w, int h) {
        int left = x0 + 70;
        int right = x0 + w - 20;
        int top = y0 + 40;
        int bottom = y0 + h - 50;
        g.setFont(new Font(Font.SANS_SERIF, Font.BOLD, 14));
        g.setColor(Color.BLACK);
        g.drawString(p.title(), x0 + 20, y0 + 22);
        List<Integer> xs = new ArrayList<>();
        double max = 1;
        for (Series s : p.series()) {
            for (var e : s.points().entrySet()) {
                if (!xs.contains(e.getKey())) {
                    xs.add(e.getKey());
                }
                max = Math.max(max, e.getValue());
            }
        }
        xs.sort(Integer::compare);
        g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 11));
        if (xs.isEmpty()) {
            g.drawString("not measured in this run", left + 60, (top + bottom) / 2);
            return;
        }
        double yMax = niceCeil(max * 1.1);
        g.setColor(new Color(0xdddddd));
        for (int t = 0; t <= 5; t++) {
            int y = bottom - (int) ((bottom - top) * t / 5.0);
            g.drawLine(left, y, right, y);
            g.setColor(Color.DARK_GRAY);
            String label = String.format("%,.0f", yMax * t / 5);
            g.drawString(label, left - 8 - g.getFontMetrics().stringWidth(label), y + 4);
            g.setColor(new Color(0xdddddd));
        }
        g.setColor(Color.BLACK);
        g.drawLine(left, bottom, right, bottom);
        g.drawLine(left, top, left, bottom);
        // Categorical x axis (1, 20, 100 are far apart on a linear scale).
        int n = xs.size();
        for (int i = 0; i < n; i++) {
            int x = xPos(i, n, left, right);
            String label = String.valueOf(xs.get(i));
            g.drawString(label, x - g.getFontMetrics().stringWidth(label) / 2, bottom + 16);
        }
        g.drawString(p.xLabel(), (left + right) / 2 - 20, bottom + 34);
        g.drawString(p.yLabel(), x0 + 8, top - 8);
        int legendY = top + 4;
        for (Series s : p.series()) {
            if (s.points().isEmpty()) {
                continue;
            }
            g.setColor(s.color());
            g.setStroke(new BasicStroke(2.5f));
            int px = -1;
            int py = -1;
            for (var e : s.points().entrySet()) {
                int x = xPos(xs.indexOf(e.getKey()), n, left, right);
                int y = bottom - (int) ((bottom - top) * e.getValue() / yMax);
                g.fillOval(x - 4, y - 4, 8, 8);
                if (px >= 0) {
                    g.drawLine(px, py, x, y);
                }
                px = x;
                py = y;
            }
            g.setStroke(new BasicStroke(1f));
            g.fillRect(right - 170, legendY, 12, 12);
            g.setColor(Color.BLACK);
            g.drawString(s.name(), right - 152, legendY + 11);
            legendY += 16;
        }
    }

    static int xPos(int i, int n, int left, int right) {
        return n == 1 ? (left + right) / 2 : left + 30 + (int) ((right - left - 60) * (double) i / (n - 1));
    }

    static double niceCeil(double v) {
        double p = Math.pow(10, Math.floor(Math.log10(v)));
        for (double m : new double[] {1, 2, 2.5, 5, 10}) {
            if (m * p >= v) {
                return m * p;
            }
        }
        return 10 * p;
    }
}
