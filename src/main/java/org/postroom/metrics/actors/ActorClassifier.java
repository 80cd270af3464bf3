package org.postroom.metrics.actors;

import com.typesafe.config.Config;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Names the kind an actor counts under in the actor metrics, from its path: the first rule whose regular
 * expression matches the path (without the address, e.g. {@code /user/inbound-smtp/smtp-3}) gives the
 * label, where {@code $1} stands for the first group. No match: {@value #OTHER}. Rules come from
 * {@code postroom.actor-metrics.kinds}; plain Java, thread-safe once built.
 */
public final class ActorClassifier {
    public static final String OTHER = "other";

    /** One rule: a path pattern and the label it gives ({@code $1}… refer to groups). */
    public record Rule(Pattern path, String actor) {
        public Rule {
            if (actor == null || actor.isBlank()) {
                throw new IllegalArgumentException("actor label must not be empty");
            }
        }
    }

    private final List<Rule> rules;

    public ActorClassifier(List<Rule> rules) {
        this.rules = List.copyOf(rules);
    }

    /** The rules of {@code postroom.actor-metrics.kinds} in {@code root}, or none when the key is absent. */
    public static ActorClassifier fromConfig(Config root) {
        String key = "postroom.actor-metrics.kinds";
        if (!root.hasPath(key)) {
            return new ActorClassifier(List.of());
        }
        List<Rule> rules = new ArrayList<>();
        for (Config rule : root.getConfigList(key)) {
            rules.add(new Rule(Pattern.compile(rule.getString("path")), rule.getString("actor")));
        }
        return new ActorClassifier(rules);
    }

    public String classify(String path) {
        for (Rule rule : rules) {
            Matcher m = rule.path().matcher(path);
            if (m.matches()) {
                return rule.actor().indexOf('$') < 0 ? rule.actor() : expand(rule.actor(), m);
            }
        }
        return OTHER;
    }

    /** The labels that need no path to be known: shown from the start, at zero. */
    public Set<String> fixedLabels() {
        Set<String> labels = new LinkedHashSet<>();
        for (Rule rule : rules) {
            if (rule.actor().indexOf('$') < 0) {
                labels.add(rule.actor());
            }
        }
        return labels;
    }

    private static String expand(String template, Matcher m) {
        StringBuilder out = new StringBuilder();
        for (int i = 0; i < template.length(); i++) {
            char c = template.charAt(i);
            if (c == '$' && i + 1 < template.length() && Character.isDigit(template.charAt(i + 1))) {
                int group = template.charAt(++i) - '0';
                String value = group <= m.groupCount() ? m.group(group) : null;
                out.append(value == null ? "" : value);
            } else {
                out.append(c);
            }
        }
        return out.toString();
    }
}
