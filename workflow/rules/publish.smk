# `snakemake publish`: the small outputs of comparisons and claims copied from results/ into the
# repository (config `publish`), so that they can be committed and diffed.
PUBLISHED = publish_pairs()


rule publish:
    input:
        publish_input,
    output:
        [dst for _, dst in PUBLISHED],
    log:
        "results/logs/publish.log",
    localrule: True
    shell:
        step("publish", "--sources {input:q} --copies {output:q}")
