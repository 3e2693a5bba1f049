# `snakemake publish`: the small outputs of comparisons and claims copied from results/ into the
# repository (config `publish`), so that they can be committed and diffed.
PUBLISHED = publish_pairs()


rule publish:
    input:
        [src for src, _ in PUBLISHED],
    output:
        [dst for _, dst in PUBLISHED],
    log:
        "results/logs/publish.log",
    localrule: True
    shell:
        "ASTRONET_ERRORS_FD=3 python -m astronet publish --sources {input:q} --copies {output:q} 3>&2 > {log:q} 2>&1"
