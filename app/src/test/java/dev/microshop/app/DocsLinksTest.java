package dev.microshop.app;

import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/** What a newcomer reads first: a short README whose every link leads somewhere in the repository. */
class DocsLinksTest {

  private static final Pattern LINK = Pattern.compile("\\]\\(([^)\\s]+)\\)");
  private static final Pattern HEADING = Pattern.compile("(?m)^#+ (.+)$");

  @Test
  @DisplayName("the README stays under 2,500 words")
  void readmeIsShort() throws IOException {
    String readme = Files.readString(ShopProcess.REPO.resolve("README.md"));
    assertThat(readme.split("\\s+")).as("words in README.md").hasSizeLessThanOrEqualTo(2_500);
  }

  @Test
  @DisplayName("every relative link of the README, CONTRIBUTING and docs/ names a file of the repository, and every #anchor a heading of it")
  void linksResolve() throws IOException {
    List<Path> pages = new ArrayList<>(List.of(ShopProcess.REPO.resolve("README.md"), ShopProcess.REPO.resolve("CONTRIBUTING.md")));
    try (Stream<Path> docs = Files.list(ShopProcess.REPO.resolve("docs"))) {
      docs.filter(p -> p.toString().endsWith(".md")).forEach(pages::add);
    }
    List<String> broken = new ArrayList<>();
    int checked = 0;
    for (Path page : pages) {
      Matcher m = LINK.matcher(Files.readString(page));
      while (m.find()) {
        String target = m.group(1);
        if (target.startsWith("http://") || target.startsWith("https://") || target.startsWith("mailto:")) {
          continue;
        }
        checked++;
        String file = target.contains("#") ? target.substring(0, target.indexOf('#')) : target;
        Path resolved = file.isEmpty() ? page : page.getParent().resolve(file).normalize();
        if (!Files.exists(resolved) || !resolved.startsWith(ShopProcess.REPO)) {
          broken.add(page.getFileName() + ": " + target);
        } else if (target.contains("#") && !anchors(resolved).contains(target.substring(target.indexOf('#') + 1))) {
          broken.add(page.getFileName() + ": " + target + " (no such heading)");
        }
      }
    }
    assertThat(checked).as("relative links checked").isGreaterThan(20);
    assertThat(broken).as("links that lead nowhere").isEmpty();
  }

  /** GitHub's anchors: headings lower-cased, punctuation dropped, spaces as dashes. */
  private static List<String> anchors(Path page) throws IOException {
    List<String> anchors = new ArrayList<>();
    Matcher m = HEADING.matcher(Files.readString(page));
    while (m.find()) {
      anchors.add(m.group(1).trim().toLowerCase().replaceAll("[^a-z0-9 _-]", "").replace(' ', '-'));
    }
    return anchors;
  }
}
