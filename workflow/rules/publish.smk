# `snakemake publish`: the small outputs of comparisons, claims and experiments copied from results/ into the
# repository (config `publish`), so that they can be committed and diffed.
PUBLISHED = publish_pairs()


# The settings records are targets too (see settings_records in common.smk): changed analysis
# settings remake the metrics, the claims and comparisons, and then the copies.
rule publish:
    input:
        [dst for _, dst in PUBLISHED],
        publish_records,
    localrule: True


rule publish_copies:
    input:
        publish_input,
    output:
        [dst for _, dst in PUBLISHED],
    log:
        "results/logs/publish.log",
    localrule: True
    shell:
        step("publish", "--sources {input:q} --copies {output:q}")
