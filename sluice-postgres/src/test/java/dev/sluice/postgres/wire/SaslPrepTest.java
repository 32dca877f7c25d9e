package dev.sluice.postgres.wire;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class SaslPrepTest {
    @Test
    void passesAsciiThroughUnchangedEvenWithControlCharacters() {
        assertThat(SaslPrep.prepare("pencil")).isEqualTo("pencil");
        assertThat(SaslPrep.prepare("tab\there")).isEqualTo("tab\there");
    }

    @Test
    void mapsNonAsciiSpacesAndDropsMappedToNothingCharacters() {
        assertThat(SaslPrep.prepare("I\u00ADX")).isEqualTo("IX");
        assertThat(SaslPrep.prepare("a\u00A0b")).isEqualTo("a b");
    }

    @Test
    void normalisesToNfkc() {
        assertThat(SaslPrep.prepare("\u00AA")).isEqualTo("a");
        assertThat(SaslPrep.prepare("\u2168")).isEqualTo("IX");
        assertThat(SaslPrep.prepare("e\u0301t\u00E9")).isEqualTo("\u00E9t\u00E9");
    }

    @Test
    void fallsBackToTheRawPasswordWhenAProhibitedCharacterRemains() {
        assertThat(SaslPrep.prepare("\u00AA\u0007")).isEqualTo("\u00AA\u0007");
        assertThat(SaslPrep.prepare("\u00AA\uE000")).isEqualTo("\u00AA\uE000");
    }

    @Test
    void fallsBackToTheRawPasswordWhenTheBidiRuleFails() {
        assertThat(SaslPrep.prepare("\u0627\u00AA")).isEqualTo("\u0627\u00AA");
    }

    @Test
    void normalisesAPurelyRightToLeftPassword() {
        assertThat(SaslPrep.prepare("\u0627\uFEFB\u0628")).isEqualTo("\u0627\u0644\u0627\u0628");
    }
}
